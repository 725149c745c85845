import MigPlanInventory
import MigPlanLicensing
import MigPlanMigration

/// An independent re-check of a plan against the inventory: every hard constraint in the final
/// state and in every wave. It shares no code with the search; any finding is a bug.
public struct PlanValidator: Sendable {
    public let inventory: Inventory
    public let engine: ReadinessEngine
    /// Hosts that must end empty (maintenance, standby, --evacuate, consolidation).
    public let mustBeEmpty: Set<Int>
    /// Hosts whose VMs' moves count against no cap (maintenance, standby, --evacuate).
    public let capExempt: Set<Int>
    public let maxMoves: Int

    public init(inventory: Inventory, engine: ReadinessEngine, mustBeEmpty: Set<Int>, capExempt: Set<Int>, maxMoves: Int) {
        self.inventory = inventory
        self.engine = engine
        self.mustBeEmpty = mustBeEmpty
        self.capExempt = capExempt
        self.maxMoves = maxMoves
    }

    /// Steps are (vm, from, to, wave) with waves numbered from 1.
    public func violations(final: [Int], steps: [(v: Int, from: Int, to: Int, wave: Int)]) -> [String] {
        let inv = inventory
        var found: [String] = []
        let name = { (h: Int) in inv.hosts[h].name }
        let overcommit = inv.cluster.balance.memoryOvercommit

        let domains = inv.faultDomainIndices()
        func ruleBreaks(_ place: [Int]) -> Set<String> {
            var broken = Set<String>()
            for rule in inv.rules where rule.policy.isHard {
                switch rule.kind {
                case .vmAntiAffinity:
                    if Set(rule.vms.map { place[$0] }).count < rule.vms.count { broken.insert(rule.name) }
                case .vmAffinity:
                    if Set(rule.vms.map { place[$0] }).count > 1 { broken.insert(rule.name) }
                case .vmHost:
                    for v in rule.vms {
                        let inGroup = inv.hosts[place[v]].groups.contains(rule.hostGroup ?? "")
                        if inGroup == rule.policy.isNegative { broken.insert(rule.name) }
                    }
                case .vmSpread:
                    if rule.faultDomainCount(domains, hostOf: { place[$0] }) < rule.minFaultDomains ?? 0 { broken.insert(rule.name) }
                }
            }
            return broken
        }

        // Final state.
        var conf = [Double](repeating: 0, count: inv.hosts.count), res = conf
        for (v, h) in final.enumerated() {
            conf[h] += inv.vms[v].memoryMiB
            res[h] += inv.vms[v].cpuReservationMHz
            if mustBeEmpty.contains(h) { found.append("\(inv.vms[v].name) ends on \(name(h)), which must be empty") }
            if inv.hosts[h].state != .connected { found.append("\(inv.vms[v].name) ends on \(name(h)), which is \(inv.hosts[h].state.rawValue)") }
            if h != inv.vms[v].host {
                let kinds = engine.blockKinds(vm: v, host: h).subtracting([.capacityCPU, .capacityMemory, .rule, .hostState])
                if !kinds.isEmpty { found.append("\(inv.vms[v].name) → \(name(h)) is not allowed: \(kinds.kindNames.joined(separator: ", "))") }
            }
        }
        for h in 0..<inv.hosts.count {
            if conf[h] > inv.hosts[h].memoryMiB * overcommit + 1e-6 { found.append("\(name(h)): configured memory \(conf[h]) MiB over capacity") }
            if res[h] > inv.hosts[h].cpuCapacityMHz + 1e-6 { found.append("\(name(h)): CPU reservations \(res[h]) MHz over capacity") }
        }
        for rule in ruleBreaks(final).sorted() { found.append("must-rule \(rule) is broken in the final state") }
        // Move caps, over every migration the waves make (a detour is two); evacuation moves
        // are exempt.
        var perHost = [Int](repeating: 0, count: inv.hosts.count)
        var total = 0
        for s in steps where !capExempt.contains(inv.vms[s.v].host) {
            total += 1
            perHost[s.from] += 1
            perHost[s.to] += 1
        }
        if maxMoves > 0 && total > maxMoves { found.append("\(total) moves exceed the plan's cap of \(maxMoves)") }
        let perHostCap = inv.cluster.balance.maxMovesPerHost
        for h in 0..<inv.hosts.count where perHostCap > 0 && perHost[h] > perHostCap {
            found.append("\(name(h)): \(perHost[h]) moves exceed maxMovesPerHost \(perHostCap)")
        }
        // Every step goes to a host in service that may take the VM.
        for s in steps {
            if mustBeEmpty.contains(s.to) || inv.hosts[s.to].state != .connected {
                found.append("\(inv.vms[s.v].name) moves to \(name(s.to)), which takes no VMs")
            }
            let kinds = engine.blockKinds(vm: s.v, host: s.to).subtracting([.sameHost, .capacityCPU, .capacityMemory, .rule, .hostState])
            if !kinds.isEmpty { found.append("\(inv.vms[s.v].name) → \(name(s.to)) is not allowed: \(kinds.kindNames.joined(separator: ", "))") }
        }

        // Licence budgets (maxUnits): every one holds at the end; no wave breaks one that held
        // before it.
        let staticReach: [[Int]] = inv.vms.indices.map { v in
            inv.hosts.indices.filter { h in
                engine.blockKinds(vm: v, host: h).subtracting([.sameHost, .capacityCPU, .capacityMemory, .rule]).isEmpty
                    || h == inv.vms[v].host
            }
        }
        let inService = (0..<inv.hosts.count).map { !mustBeEmpty.contains($0) && inv.hosts[$0].state == .connected }
        func overBudget(_ place: [Int], connected: [Bool]) -> Set<String> {
            var out = Set<String>()
            for u in Licensing.usage(inv, placement: place, reach: staticReach, connected: connected) {
                guard let product = inv.products.first(where: { $0.name == u.product }), product.maxUnits > 0 else { continue }
                if u.units > product.maxUnits + 1e-9 { out.insert(u.product) }
            }
            return out
        }
        for name in overBudget(final, connected: inService).sorted() { found.append("licence budget of \(name) exceeded in the final state") }

        // Waves.
        var place = inv.vms.map(\.host)
        var c = [Double](repeating: 0, count: inv.hosts.count), r = c
        for (v, h) in place.enumerated() { c[h] += inv.vms[v].memoryMiB; r[h] += inv.vms[v].cpuReservationMHz }
        let waves = Set(steps.map(\.wave)).sorted()
        if let first = waves.first, let last = waves.last, first < 1 || waves != Array(1...last) {
            found.append("waves are not numbered 1…\(last)")
            return found
        }
        let connectedNow = inv.hosts.map { $0.state == .connected }
        for w in waves {
            let now = steps.filter { $0.wave == w }
            let before = ruleBreaks(place)
            let budgetsBefore = overBudget(place, connected: connectedNow)
            var touching = [Int](repeating: 0, count: inv.hosts.count)
            var arrivals = touching
            var inflightC = c, inflightR = r
            var moving = Set<Int>()
            for s in now {
                if place[s.v] != s.from { found.append("wave \(w): \(inv.vms[s.v].name) is not on \(name(s.from))") }
                if !moving.insert(s.v).inserted { found.append("wave \(w): \(inv.vms[s.v].name) moves twice") }
                touching[s.from] += 1; touching[s.to] += 1
                arrivals[s.to] += 1
                inflightC[s.to] += inv.vms[s.v].memoryMiB
                inflightR[s.to] += inv.vms[s.v].cpuReservationMHz
            }
            for h in 0..<inv.hosts.count {
                if touching[h] > inv.cluster.migration.maxConcurrentPerHost {
                    found.append("wave \(w): \(touching[h]) migrations touch \(name(h)) (max \(inv.cluster.migration.maxConcurrentPerHost))")
                }
                // A host already over capacity may stay so while its VMs leave; nothing may arrive.
                guard arrivals[h] > 0 else { continue }
                if inflightC[h] > inv.hosts[h].memoryMiB * overcommit + 1e-6 { found.append("wave \(w): \(name(h)) memory over capacity in flight") }
                if inflightR[h] > inv.hosts[h].cpuCapacityMHz + 1e-6 { found.append("wave \(w): \(name(h)) reservations over capacity in flight") }
            }
            for s in now {
                place[s.v] = s.to
                c[s.from] -= inv.vms[s.v].memoryMiB; c[s.to] += inv.vms[s.v].memoryMiB
                r[s.from] -= inv.vms[s.v].cpuReservationMHz; r[s.to] += inv.vms[s.v].cpuReservationMHz
            }
            for rule in ruleBreaks(place).subtracting(before).sorted() { found.append("wave \(w) breaks must-rule \(rule)") }
            for name in overBudget(place, connected: connectedNow).subtracting(budgetsBefore).sorted() {
                found.append("wave \(w) exceeds the licence budget of \(name)")
            }
        }
        if place != final { found.append("the waves do not lead to the planned placement") }
        return found
    }
}
