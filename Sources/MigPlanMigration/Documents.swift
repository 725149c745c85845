import MigPlanCPU
import MigPlanInventory

/// `migplan check VM HOST --inventory F --json` and `migplan explain … --json`: the CLI spec's
/// check keys, plus every check, the warnings and the pre-copy estimate.
public struct ReadinessDocument: Codable, Sendable, Hashable {
    public var source: String
    public var destination: String
    public var compatible: Bool
    public var verdict: CPUVerdict
    public var missing: [String]
    public var extra: [String]
    public var reasons: [Reason]
    public var warnings: [Reason]
    public var checks: [ReadinessCheck]
    public var precopy: PrecopyEstimate
    public var from: String

    public init(_ r: Readiness, from: String) {
        source = r.vm
        destination = r.host
        compatible = r.allowed
        verdict = r.cpu.verdict
        missing = r.cpu.missing
        extra = r.cpu.extra
        reasons = r.blocks.map { Reason(kind: $0.kind, detail: $0.detail) }
        warnings = r.warnings.map { Reason(kind: $0.kind, detail: $0.detail) }
        checks = r.checks
        precopy = r.precopy
        self.from = from
    }
}

/// `migplan matrix --json`.
public struct MatrixDocument: Codable, Sendable, Hashable {
    public struct GuestClass: Codable, Sendable, Hashable {
        public var cpu: String
        public var vendor: String?
        public var vms: Int
        public var hosts: [String]
    }
    public struct VMEntry: Codable, Sendable, Hashable {
        public var name: String
        public var host: String
        public var destinations: [String]
        public var blockedBy: [String: Int]
    }
    public var cluster: String
    public var vmCount: Int
    public var hostCount: Int
    public var hostCPUClasses: Int
    public var guestCPUClasses: [GuestClass]
    /// Blocking kinds over all VM × other-host pairs.
    public var reasons: [String: Int]
    public var vms: [VMEntry]

    public init(_ m: ReadinessMatrix, inventory inv: Inventory) {
        cluster = inv.cluster.name
        vmCount = inv.vms.count
        hostCount = inv.hosts.count
        hostCPUClasses = m.hostClassCount
        guestCPUClasses = m.guestClasses.map {
            GuestClass(cpu: $0.label, vendor: $0.vendor, vms: $0.vms.count, hosts: $0.cpuHosts.map { inv.hosts[$0].name })
        }
        reasons = m.reasonCounts
        vms = inv.vms.indices.map { v in
            VMEntry(name: inv.vms[v].name, host: inv.hosts[inv.vms[v].host].name,
                    destinations: m.destinations[v].map { inv.hosts[$0].name }, blockedBy: m.blockedBy[v])
        }
    }
}
