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
        let inv = inventory
        let vm = inv.vms[v], host = inv.hosts[h], source = inv.hosts[vm.host]
        var k: BlockKinds = []
        if vm.host == h { k.insert(.sameHost) }
        if !vm.movable { k.insert(.movable) }
        if host.state != .connected { k.insert(.hostState) }
        if host.hypervisor != source.hypervisor { k.insert(.hypervisor) }
        if !cpuCompatible(vmClass: vmClass[v], hostClass: hostClass[h]) {
            let g = classCPU(vmClass[v]), p = classCPU(hostClass[h])
            if let a = g.vendor, let b = p.vendor, a != b { k.insert(.cpuVendor) } else { k.insert(.cpuFeature) }
        }
        if !vm.datastores.allSatisfy(host.datastores.contains) { k.insert(.datastore) }
        if !vm.networks.allSatisfy(host.networks.contains) { k.insert(.network) }
        if vm.passthroughDevices > 0 { k.insert(.passthrough) }
        if vm.localDisks > 0 { k.insert(.localDisk) }
        if reservedMHz[h] + vm.cpuReservationMHz > host.cpuCapacityMHz + 1e-6 { k.insert(.capacityCPU) }
        if configuredMiB[h] + vm.memoryMiB > host.memoryMiB * inv.cluster.balance.memoryOvercommit + 1e-6 { k.insert(.capacityMemory) }
        for rule in inv.rules where rule.policy.isHard && rule.vms.contains(v) {
            if !ruleHolds(rule, vm: v, host: h).0 { k.insert(.rule); break }
        }
        for name in vm.products {
            if let p = inv.product(named: name), let licensed = inv.products[p].licensedHosts, !licensed.contains(h) {
                k.insert(.license)
                break
            }
        }
        if !precopy[v].converges { k.insert(.precopy) }
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
        var counts: [String: Int] = [:]
        for v in 0..<n {
            for h in 0..<hosts {
                let k = BlockKinds(rawValue: kinds[v * hosts + h])
                if k.isEmpty { destinations[v].append(h); continue }
                if k.contains(.sameHost) { continue }
                for name in k.kindNames {
                    blockedBy[v][name, default: 0] += 1
                    counts[name, default: 0] += 1
                }
            }
        }
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
