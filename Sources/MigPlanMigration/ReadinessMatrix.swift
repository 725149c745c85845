import Dispatch
import MigPlanCPU
import MigPlanInventory

/// The blocking check kinds, as bits, for the fast whole-inventory pass.
public struct BlockKinds: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let sameHost = BlockKinds(rawValue: 1 << 0)
    public static let movable = BlockKinds(rawValue: 1 << 1)
    public static let hostState = BlockKinds(rawValue: 1 << 2)
    public static let hypervisor = BlockKinds(rawValue: 1 << 3)
    public static let cpuVendor = BlockKinds(rawValue: 1 << 4)
    public static let cpuFeature = BlockKinds(rawValue: 1 << 5)
    public static let datastore = BlockKinds(rawValue: 1 << 6)
    public static let network = BlockKinds(rawValue: 1 << 7)
    public static let passthrough = BlockKinds(rawValue: 1 << 8)
    public static let localDisk = BlockKinds(rawValue: 1 << 9)
    public static let capacityCPU = BlockKinds(rawValue: 1 << 10)
    public static let capacityMemory = BlockKinds(rawValue: 1 << 11)
    public static let rule = BlockKinds(rawValue: 1 << 12)
    public static let license = BlockKinds(rawValue: 1 << 13)
    public static let precopy = BlockKinds(rawValue: 1 << 14)

    /// The same names `ReadinessCheck.kind` uses.
    public static let names: [(BlockKinds, String)] = [
        (.sameHost, "same-host"), (.movable, "movable"), (.hostState, "host-state"), (.hypervisor, "hypervisor"),
        (.cpuVendor, "cpu-vendor"), (.cpuFeature, "cpu-feature"), (.datastore, "datastore"), (.network, "network"),
        (.passthrough, "passthrough"), (.localDisk, "local-disk"), (.capacityCPU, "capacity-cpu"),
        (.capacityMemory, "capacity-memory"), (.rule, "rule"), (.license, "license"), (.precopy, "precopy"),
    ]

    public var kindNames: [String] { Self.names.filter { contains($0.0) }.map(\.1) }
}

/// Which VMs can go where in a whole inventory, and why not.
public struct ReadinessMatrix: Sendable {
    public struct GuestClass: Sendable, Hashable {
        /// The libvirt model naming the class best, and its vendor.
        public var label: String
        public var vendor: String?
        public var vms: [Int]
        /// Hosts whose presented CPU takes this class (CPU grounds only).
        public var cpuHosts: [Int]
    }

    public var hostCount: Int
    /// Per VM, the hosts it may move to now (every check).
    public var destinations: [[Int]]
    /// Per VM, the blocking kinds met over all other hosts, with counts.
    public var blockedBy: [[String: Int]]
    /// Blocking kinds over all VM × other-host pairs (a pair counts once per kind).
    public var reasonCounts: [String: Int]
    public var guestClasses: [GuestClass]
    public var hostClassCount: Int
}

extension ReadinessEngine {
    /// The blocking kinds of moving `vm` to `host`, without building messages: the same checks as
    /// ``check(vm:host:)``.
    public func blockKinds(vm v: Int, host h: Int) -> BlockKinds {
        let f = fast
        let from = f.vmHost[v]
        var k = BlockKinds(rawValue: f.vmStatic[v])
        if from == h { k.insert(.sameHost) }
        if !f.hostConnected[h] { k.insert(.hostState) }
        if f.hostHypervisor[h] != f.hostHypervisor[from] { k.insert(.hypervisor) }
        k.formUnion(BlockKinds(rawValue: classBlocks[vmClass[v] * classCount + hostClass[h]]))
        if !vmStores[v].isSubset(of: hostStores[h]) { k.insert(.datastore) }
        if !vmNetworks[v].isSubset(of: hostNetworks[h]) { k.insert(.network) }
        if reservedMHz[h] + f.vmReservation[v] > f.hostCPUCapacity[h] + 1e-6 { k.insert(.capacityCPU) }
        if configuredMiB[h] + f.vmMemory[v] > f.hostMemoryCapacity[h] + 1e-6 { k.insert(.capacityMemory) }
        if !vmRules[v].isEmpty {
            for r in vmRules[v] where inventory.rules[r].policy.isHard {
                if !ruleHolds(inventory.rules[r], vm: v, host: h) { k.insert(.rule); break }
            }
        }
        if f.vmLicenseLimited[v], !(vmLicensedHosts[v]?.contains(h) ?? true) { k.insert(.license) }
        return k
    }

    /// Every VM against every host, in parallel over VMs.
    public func matrix() -> ReadinessMatrix {
        let inv = inventory
        let n = inv.vms.count, hosts = inv.hosts.count
        var kinds = [UInt32](repeating: 0, count: n * hosts)
        kinds.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let out = buffer.baseAddress!
            let chunk = 256
            DispatchQueue.concurrentPerform(iterations: (n + chunk - 1) / chunk) { block in
                for v in block * chunk..<min(n, (block + 1) * chunk) {
                    for h in 0..<hosts { out[v * hosts + h] = blockKinds(vm: v, host: h).rawValue }
                }
            }
        }
        var destinations = [[Int]](repeating: [], count: n)
        var blockedBy = [[String: Int]](repeating: [:], count: n)
        let kindCount = BlockKinds.names.count
        var total = [Int](repeating: 0, count: kindCount)
        var perVM = [Int](repeating: 0, count: kindCount)
        for v in 0..<n {
            for i in 0..<kindCount { perVM[i] = 0 }
            for h in 0..<hosts {
                var bits = kinds[v * hosts + h]
                if bits == 0 { destinations[v].append(h); continue }
                if bits & BlockKinds.sameHost.rawValue != 0 { continue }
                while bits != 0 {
                    perVM[bits.trailingZeroBitCount] += 1
                    bits &= bits - 1
                }
            }
            for i in 0..<kindCount where perVM[i] > 0 {
                blockedBy[v][BlockKinds.names[i].1] = perVM[i]
                total[i] += perVM[i]
            }
        }
        var counts: [String: Int] = [:]
        for i in 0..<kindCount where total[i] > 0 { counts[BlockKinds.names[i].1] = total[i] }
        // Guest CPU classes and the hosts that take each, from the class matrix.
        var classes: [Int: ReadinessMatrix.GuestClass] = [:]
        var order: [Int] = []
        for v in 0..<n {
            let c = vmClass[v]
            if classes[c] == nil {
                let cpu = classCPU(c)
                let label = db.bestContainedModel(cpu.features, vendor: cpu.vendor, kinds: [.libvirt]).map {
                    cpu.features == $0.features ? $0.name : "\($0.name)+\(cpu.features.subtracting($0.features).count)"
                } ?? "custom"
                classes[c] = .init(label: label, vendor: cpu.vendor, vms: [],
                                   cpuHosts: (0..<hosts).filter { cpuCompatible(vmClass: c, hostClass: hostClass[$0]) })
                order.append(c)
            }
            classes[c]!.vms.append(v)
        }
        return ReadinessMatrix(hostCount: hosts, destinations: destinations, blockedBy: blockedBy, reasonCounts: counts,
                               guestClasses: order.map { classes[$0]! }, hostClassCount: Set(hostClass).count)
    }
}
