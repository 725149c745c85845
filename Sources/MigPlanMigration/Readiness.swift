import MigPlanCPU
import MigPlanInventory

/// One check of a VM against a host: every check runs, passed or not, so `explain` can show them all.
public struct ReadinessCheck: Sendable, Hashable, Codable {
    public enum Outcome: String, Sendable, Hashable, Codable {
        case pass
        /// Blocks the move.
        case block
        /// Allowed, but worth knowing.
        case warning
    }
    /// `cpu-vendor`, `cpu-feature`, `cpu-nonmigratable`, `host-state`, `hypervisor`, `datastore`,
    /// `network`, `passthrough`, `local-disk`, `capacity-cpu`, `capacity-memory`, `rule`,
    /// `license`, `precopy`, `mac`, `same-host`, `movable`.
    public var kind: String
    public var outcome: Outcome
    public var detail: String
}

/// Can this VM live-migrate to this host now, and why (not)?
public struct Readiness: Sendable, Hashable {
    public var vm: String
    public var host: String
    public var allowed: Bool
    public var checks: [ReadinessCheck]
    public var precopy: PrecopyEstimate
    public var cpu: CPUComparison

    public var blocks: [ReadinessCheck] { checks.filter { $0.outcome == .block } }
    public var warnings: [ReadinessCheck] { checks.filter { $0.outcome == .warning } }
}

/// Every readiness check of an inventory, with what can be computed once computed once: the
/// pre-copy of each VM, CPU compatibility per pair of CPU classes, host loads, rule and licence
/// host sets. Checks a single pair in microseconds and the whole VM × host matrix in one pass.
public struct ReadinessEngine: Sendable {
    public let inventory: Inventory
    public let db: CPUDB
    /// Per VM.
    public let precopy: [PrecopyEstimate]
    /// CPU class of each VM's guest CPU and of each host's presented CPU, into one class list.
    public let vmClass: [Int]
    public let hostClass: [Int]
    private let cpuMatrix: CompatibilityMatrix
    private let classCPUs: [CPU]
    /// Current Σ reservation and Σ configured memory per host.
    public let reservedMHz: [Double]
    public let configuredMiB: [Double]
    private let groupHosts: [String: Set<Int>]
    /// Plain per-VM and per-host values for the whole-inventory pass.
    struct FastTables: Sendable {
        var vmHost: [Int] = [], vmStatic: [UInt32] = [], vmReservation: [Double] = [], vmMemory: [Double] = []
        var vmLicenseLimited: [Bool] = []
        var hostConnected: [Bool] = [], hostHypervisor: [HypervisorKind] = [], hostCPUCapacity: [Double] = []
        var hostMemoryCapacity: [Double] = []
    }
    let fast: FastTables
    /// CPU blocking kinds per (guest class, host class), row-major.
    let classBlocks: [UInt32]
    /// Per VM: its rules, and the hosts its products are licensed on (nil = no limit).
    let vmRules: [[Int]]
    let vmLicensedHosts: [Set<Int>?]
    /// Datastores and networks as bits (names numbered over the inventory).
    let hostStores: [NameBits], hostNetworks: [NameBits]
    let vmStores: [NameBits], vmNetworks: [NameBits]

    public init(inventory: Inventory, db: CPUDB) {
        self.inventory = inventory
        self.db = db
        let m = inventory.cluster.migration
        precopy = inventory.vms.map { vm in
            PrecopyEstimate.estimate(memoryMiB: vm.memoryMiB, dirtyRateMiBps: vm.dirtyRateMiBps,
                                     bandwidthMiBps: m.bandwidthMiBps,
                                     downtimeBudgetMs: vm.maxDowntimeMs ?? m.maxDowntimeMs,
                                     maxRounds: m.maxPrecopyRounds, resumeMs: m.resumeMs)
        }
        // CPU classes: guests and presented host CPUs together, so one matrix answers both.
        let cpus = inventory.vms.indices.map { inventory.guestCPU(of: $0) } + inventory.hosts.map(\.presents)
        let matrix = CompatibilityMatrix(cpus, db: db)
        cpuMatrix = matrix
        vmClass = Array(matrix.classOfCPU.prefix(inventory.vms.count))
        hostClass = Array(matrix.classOfCPU.suffix(inventory.hosts.count))
        var representative = [CPU?](repeating: nil, count: matrix.classes.count)
        for (i, c) in matrix.classOfCPU.enumerated() where representative[c] == nil { representative[c] = cpus[i] }
        classCPUs = representative.map { $0! }
        let k = matrix.classes.count
        var blocks = [UInt32](repeating: 0, count: k * k)
        for a in 0..<k {
            for b in 0..<k where !matrix.classCompatible(a, b) {
                let va = matrix.classes[a].vendor, vb = matrix.classes[b].vendor
                blocks[a * k + b] = (va != nil && vb != nil && va != vb) ? BlockKinds.cpuVendor.rawValue : BlockKinds.cpuFeature.rawValue
            }
        }
        classBlocks = blocks
        var reserved = [Double](repeating: 0, count: inventory.hosts.count)
        var configured = [Double](repeating: 0, count: inventory.hosts.count)
        for vm in inventory.vms {
            reserved[vm.host] += vm.cpuReservationMHz
            configured[vm.host] += vm.memoryMiB
        }
        reservedMHz = reserved
        configuredMiB = configured
        var groups: [String: Set<Int>] = [:]
        for (i, h) in inventory.hosts.enumerated() { for g in h.groups { groups[g, default: []].insert(i) } }
        groupHosts = groups
        var rulesOf = [[Int]](repeating: [], count: inventory.vms.count)
        for (r, rule) in inventory.rules.enumerated() { for v in rule.vms { rulesOf[v].append(r) } }
        vmRules = rulesOf
        vmLicensedHosts = inventory.vms.map { vm in
            var allowed: Set<Int>? = nil
            for name in vm.products {
                guard let p = inventory.product(named: name), let licensed = inventory.products[p].licensedHosts else { continue }
                allowed = allowed.map { $0.intersection(licensed) } ?? Set(licensed)
            }
            return allowed
        }
        var t = FastTables()
        for (v, vm) in inventory.vms.enumerated() {
            var k: BlockKinds = []
            if !vm.movable { k.insert(.movable) }
            if vm.passthroughDevices > 0 { k.insert(.passthrough) }
            if vm.localDisks > 0 { k.insert(.localDisk) }
            if !precopy[v].converges { k.insert(.precopy) }
            t.vmHost.append(vm.host)
            t.vmStatic.append(k.rawValue)
            t.vmReservation.append(vm.cpuReservationMHz)
            t.vmMemory.append(vm.memoryMiB)
            t.vmLicenseLimited.append(vmLicensedHosts[v] != nil)
        }
        for h in inventory.hosts {
            t.hostConnected.append(h.state == .connected)
            t.hostHypervisor.append(h.hypervisor)
            t.hostCPUCapacity.append(h.cpuCapacityMHz)
            t.hostMemoryCapacity.append(h.memoryMiB * inventory.cluster.balance.memoryOvercommit)
        }
        fast = t
        var storeNames = NameNumbering(), netNames = NameNumbering()
        hostStores = inventory.hosts.map { storeNames.bits($0.datastores) }
        hostNetworks = inventory.hosts.map { netNames.bits($0.networks) }
        vmStores = inventory.vms.map { storeNames.bits($0.datastores) }
        vmNetworks = inventory.vms.map { netNames.bits($0.networks) }
    }

    /// Whether the CPU of VM class `vc` runs on hosts of class `hc`.
    public func cpuCompatible(vmClass vc: Int, hostClass hc: Int) -> Bool { cpuMatrix.classCompatible(vc, hc) }

    public var classCount: Int { cpuMatrix.classes.count }
    public func classCPU(_ c: Int) -> CPU { classCPUs[c] }

    /// Every check of moving `vm` to `host` from the inventory's current placement.
    public func check(vm v: Int, host h: Int) -> Readiness {
        let inv = inventory
        let vm = inv.vms[v], host = inv.hosts[h], source = inv.hosts[vm.host]
        var checks: [ReadinessCheck] = []
        func add(_ kind: String, _ ok: Bool, _ pass: String, _ fail: String, warning: Bool = false) {
            checks.append(ReadinessCheck(kind: kind, outcome: ok ? .pass : (warning ? .warning : .block), detail: ok ? pass : fail))
        }
        add("same-host", vm.host != h, "\(vm.name) runs on \(source.name)", "\(vm.name) already runs on \(host.name)")
        add("movable", vm.movable, "\(vm.name) may be moved", "\(vm.name) is not movable (movable: false)")
        add("host-state", host.state == .connected, "\(host.name) is connected",
            "\(host.name) is \(host.state.rawValue) and takes no VMs")
        add("hypervisor", host.hypervisor == source.hypervisor, "both hosts run \(host.hypervisor.rawValue)",
            "\(host.name) runs \(host.hypervisor.rawValue), \(vm.name) runs on \(source.hypervisor.rawValue)")

        // CPU.
        let guest = inv.guestCPU(of: v)
        let cpu = db.compare(guest, host.presents)
        add("cpu-vendor", !cpu.vendorMismatch, "same CPU vendor (\(host.presents.vendor ?? "any"))",
            cpu.reasons.first { $0.kind == "cpu-vendor" }?.detail ?? "")
        if !cpu.vendorMismatch {
            var lacking: [String] = []
            if !cpu.missing.isEmpty {
                lacking.append("\(host.name) does not present \(cpu.missing.count) feature\(cpu.missing.count == 1 ? "" : "s") the guest sees: \(cpu.missing.joined(separator: ", "))")
            }
            if !cpu.unverified.isEmpty {
                lacking.append("\(host.name)'s CPU data cannot tell whether it presents \(cpu.unverified.count) feature\(cpu.unverified.count == 1 ? "" : "s") the guest sees: \(cpu.unverified.joined(separator: ", "))")
            }
            add("cpu-feature", lacking.isEmpty, "\(host.name) presents every feature the guest sees", lacking.joined(separator: "; "))
        }
        let nonMigratable = db.names(guest.features.subtracting(db.migratableFeatures))
        add("cpu-nonmigratable", nonMigratable.isEmpty, "the guest CPU has no non-migratable features",
            "the guest CPU exposes \(nonMigratable.joined(separator: ", ")), which never migrates: they are left out of the check, and hypervisors may refuse such a guest", warning: true)

        // Storage, network, devices.
        let missingStores = vm.datastores.filter { !host.datastores.contains($0) }
        add("datastore", missingStores.isEmpty, "\(host.name) sees all datastores of \(vm.name)",
            "\(host.name) does not see datastore\(missingStores.count == 1 ? "" : "s") \(missingStores.joined(separator: ", "))")
        let missingNets = vm.networks.filter { !host.networks.contains($0) }
        add("network", missingNets.isEmpty, "\(host.name) has all networks of \(vm.name)",
            "\(host.name) lacks network\(missingNets.count == 1 ? "" : "s") \(missingNets.joined(separator: ", "))")
        add("passthrough", vm.passthroughDevices == 0, "no passthrough devices",
            "\(vm.passthroughDevices) passthrough device\(vm.passthroughDevices == 1 ? "" : "s") tie \(vm.name) to \(source.name)")
        add("local-disk", vm.localDisks == 0, "no local disks",
            "\(vm.localDisks) disk\(vm.localDisks == 1 ? "" : "s") on \(source.name)'s local storage")

        // Capacity of the destination with the VM added.
        let reserve = reservedMHz[h] + vm.cpuReservationMHz
        add("capacity-cpu", reserve <= host.cpuCapacityMHz + 1e-6,
            "CPU reservations \(Int(reserve)) of \(Int(host.cpuCapacityMHz)) MHz",
            "CPU reservations would reach \(Int(reserve)) MHz of \(Int(host.cpuCapacityMHz))")
        let memory = configuredMiB[h] + vm.memoryMiB
        let memoryCap = host.memoryMiB * inv.cluster.balance.memoryOvercommit
        add("capacity-memory", memory <= memoryCap + 1e-6,
            "configured memory \(Int(memory)) of \(Int(memoryCap)) MiB",
            "configured memory would reach \(Int(memory)) MiB of \(Int(memoryCap)) (host × overcommit \(inv.cluster.balance.memoryOvercommit))")

        // Must-rules (should-rules are costs for the optimizer, shown as warnings here).
        for r in vmRules[v] {
            let rule = inv.rules[r]
            let ok = ruleHolds(rule, vm: v, host: h)
            let detail = ok ? "" : ruleDetail(rule, vm: v, host: h)
            if rule.policy.isHard {
                add("rule", ok, "\(rule.name) holds", detail)
            } else if !ok {
                add("rule", false, "", detail + " (should-rule: allowed at a cost)", warning: true)
            }
        }

        // Licences: a product's VMs only on hosts licensed for it.
        for name in vm.products {
            guard let p = inv.product(named: name) else { continue }
            let product = inv.products[p]
            if let licensed = product.licensedHosts {
                add("license", licensed.contains(h), "\(host.name) is licensed for \(name)",
                    "\(host.name) is not licensed for \(name) (licensed: \(licensed.map { inv.hosts[$0].name }.joined(separator: ", ")))")
            }
        }

        // Pre-copy.
        let pc = precopy[v]
        let budget = vm.maxDowntimeMs ?? inv.cluster.migration.maxDowntimeMs
        add("precopy", pc.converges,
            "converges in \(pc.rounds) round\(pc.rounds == 1 ? "" : "s"): \(format(pc.seconds)) s, downtime \(format(pc.downtimeMs)) ms of \(format(budget))",
            pc.dirtyRateExceedsBandwidth
                ? "does not converge: dirty rate \(format(vm.dirtyRateMiBps)) MiB/s outruns the \(format(inv.cluster.migration.bandwidthMiBps)) MiB/s link"
                : "does not converge within \(inv.cluster.migration.maxPrecopyRounds) rounds: downtime would be \(format(pc.downtimeMs)) ms, budget \(format(budget)) ms")
        add("mac", !vm.macAuto, "fixed MAC address",
            "\(vm.name) has an auto-generated MAC address, which changes if it is ever restarted elsewhere", warning: true)

        let allowed = !checks.contains { $0.outcome == .block }
        return Readiness(vm: vm.name, host: host.name, allowed: allowed, checks: checks, precopy: pc, cpu: cpu)
    }

    /// Whether placing `vm` on `host` (others where they are) keeps a rule.
    func ruleHolds(_ rule: Rule, vm v: Int, host h: Int) -> Bool {
        let vms = inventory.vms
        switch rule.kind {
        case .vmHost:
            let inGroup = groupHosts[rule.hostGroup ?? ""]?.contains(h) ?? false
            return rule.policy.isNegative ? !inGroup : inGroup
        case .vmAntiAffinity:
            return !rule.vms.contains { $0 != v && vms[$0].host == h }
        case .vmAffinity:
            return !rule.vms.contains { $0 != v && vms[$0].host != h }
        case .vmSpread:
            let domains = inventory.faultDomainIndices()
            return rule.spreadKept(domains, hostOf: { $0 == v ? h : vms[$0].host },
                                   before: rule.faultDomainCount(domains) { vms[$0].host })
        }
    }

    /// What a broken rule means for this move, in words.
    func ruleDetail(_ rule: Rule, vm v: Int, host h: Int) -> String {
        let inv = inventory
        switch rule.kind {
        case .vmHost:
            return "\(rule.name): \(inv.vms[v].name) \(rule.policy.isNegative ? "must not run" : "must run") in host group \(rule.hostGroup ?? "")"
        case .vmAntiAffinity:
            let others = rule.vms.filter { $0 != v && inv.vms[$0].host == h }
            return "\(rule.name): \(others.map { inv.vms[$0].name }.joined(separator: ", ")) already on \(inv.hosts[h].name)"
        case .vmAffinity:
            let apart = rule.vms.filter { $0 != v && inv.vms[$0].host != h }
            return "\(rule.name): \(apart.map { inv.vms[$0].name }.joined(separator: ", ")) stay\(apart.count == 1 ? "s" : "") elsewhere (move them together)"
        case .vmSpread:
            let n = rule.faultDomainCount(inv.faultDomainIndices()) { $0 == v ? h : inv.vms[$0].host }
            return "\(rule.name): its VMs would span \(n) fault domain\(n == 1 ? "" : "s"), \(rule.minFaultDomains ?? 0) required (\(inv.vms[v].name) → \(inv.faultDomain(ofHost: h)))"
        }
    }
}

func format(_ x: Double) -> String {
    if x >= 100 || x == x.rounded() { return String(Int(x.rounded())) }
    return String(format: "%.1f", x)
}

import Foundation

/// A set of names as bits, numbered per inventory.
struct NameBits: Sendable, Hashable {
    var words: [UInt64] = []
    func isSubset(of other: NameBits) -> Bool {
        for (i, w) in words.enumerated() where w & ~(i < other.words.count ? other.words[i] : 0) != 0 { return false }
        return true
    }
}

struct NameNumbering {
    var numbers: [String: Int] = [:]
    mutating func bits(_ names: [String]) -> NameBits {
        var b = NameBits()
        for n in names {
            let i: Int
            if let known = numbers[n] { i = known } else { i = numbers.count; numbers[n] = i }
            while b.words.count <= i / 64 { b.words.append(0) }
            b.words[i / 64] |= 1 << UInt64(i % 64)
        }
        return b
    }
}
