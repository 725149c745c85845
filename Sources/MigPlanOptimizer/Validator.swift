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
    public let maxMoves: Int

    public init(inventory: Inventory, engine: ReadinessEngine, mustBeEmpty: Set<Int>, maxMoves: Int) {
        self.inventory = inventory
        self.engine = engine
        self.mustBeEmpty = mustBeEmpty
        self.maxMoves = maxMoves
    }

    /// Steps are (vm, from, to, wave) with waves numbered from 1.
    public func violations(final: [Int], steps: [(v: Int, from: Int, to: Int, wave: Int)]) -> [String] {
        let inv = inventory
        var found: [String] = []
        let name = { (h: Int) in inv.hosts[h].name }
        let overcommit = inv.cluster.balance.memoryOvercommit

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
        // Move caps (evacuation moves are exempt).
        var perHost = [Int](repeating: 0, count: inv.hosts.count)
        var total = 0
        for (v, h) in final.enumerated() where h != inv.vms[v].host && !mustBeEmpty.contains(inv.vms[v].host) && inv.hosts[inv.vms[v].host].state == .connected {
            total += 1
            perHost[inv.vms[v].host] += 1
            perHost[h] += 1
        }
        if maxMoves > 0 && total > maxMoves { found.append("\(total) moves exceed the plan's cap of \(maxMoves)") }
        let perHostCap = inv.cluster.balance.maxMovesPerHost
        for h in 0..<inv.hosts.count where perHostCap > 0 && perHost[h] > perHostCap {
            found.append("\(name(h)): \(perHost[h]) moves exceed maxMovesPerHost \(perHostCap)")
        }

        // Licence budgets (maxUnits): hold at the end, and no wave breaks one that held.
        func overBudget(_ place: [Int]) -> Set<String> {
            var out = Set<String>()
            let connected = (0..<inv.hosts.count).map { !mustBeEmpty.contains($0) && inv.hosts[$0].state == .connected }
            let reach = inv.vms.indices.map { v in [place[v]] }
            for u in Licensing.usage(inv, placement: place, reach: reach, connected: connected) {
                guard let product = inv.products.first(where: { $0.name == u.product }), product.maxUnits > 0,
                      product.scope == .occupancy else { continue }
                if u.units > product.maxUnits + 1e-9 { out.insert(u.product) }
            }
            return out
        }
        let budgetsAtStart = overBudget(inv.vms.map(\.host))
        for name in overBudget(final).subtracting(budgetsAtStart).sorted() { found.append("licence budget of \(name) exceeded in the final state") }

        // Waves.
        var place = inv.vms.map(\.host)
        var c = [Double](repeating: 0, count: inv.hosts.count), r = c
        for (v, h) in place.enumerated() { c[h] += inv.vms[v].memoryMiB; r[h] += inv.vms[v].cpuReservationMHz }
        let waves = Set(steps.map(\.wave)).sorted()
        if let last = waves.last, waves != Array(1...last) { found.append("waves are not numbered 1…\(last)") }
        for w in waves {
            let now = steps.filter { $0.wave == w }
            let before = ruleBreaks(place)
            var touching = [Int](repeating: 0, count: inv.hosts.count)
            var inflightC = c, inflightR = r
            var moving = Set<Int>()
            for s in now {
                if place[s.v] != s.from { found.append("wave \(w): \(inv.vms[s.v].name) is not on \(name(s.from))") }
                if !moving.insert(s.v).inserted { found.append("wave \(w): \(inv.vms[s.v].name) moves twice") }
                touching[s.from] += 1; touching[s.to] += 1
                inflightC[s.to] += inv.vms[s.v].memoryMiB
                inflightR[s.to] += inv.vms[s.v].cpuReservationMHz
            }
            for h in 0..<inv.hosts.count {
                if touching[h] > inv.cluster.migration.maxConcurrentPerHost {
                    found.append("wave \(w): \(touching[h]) migrations touch \(name(h)) (max \(inv.cluster.migration.maxConcurrentPerHost))")
                }
                if inflightC[h] > inv.hosts[h].memoryMiB * overcommit + 1e-6 { found.append("wave \(w): \(name(h)) memory over capacity in flight") }
                if inflightR[h] > inv.hosts[h].cpuCapacityMHz + 1e-6 { found.append("wave \(w): \(name(h)) reservations over capacity in flight") }
            }
            for s in now {
                place[s.v] = s.to
                c[s.from] -= inv.vms[s.v].memoryMiB; c[s.to] += inv.vms[s.v].memoryMiB
                r[s.from] -= inv.vms[s.v].cpuReservationMHz; r[s.to] += inv.vms[s.v].cpuReservationMHz
            }
            for rule in ruleBreaks(place).subtracting(before).sorted() { found.append("wave \(w) breaks must-rule \(rule)") }
            for name in overBudget(place).subtracting(budgetsAtStart).sorted() { found.append("wave \(w) exceeds the licence budget of \(name)") }
        }
        if place != final { found.append("the waves do not lead to the planned placement") }
        return found
    }
}
