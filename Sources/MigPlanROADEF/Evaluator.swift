/// The challenge's hard constraints and objective, exactly as the problem definition states them.
public struct ROADEFEvaluation: Sendable, Codable {
    public struct Parts: Sendable, Codable, Hashable {
        public var load: Int64
        public var balance: Int64
        public var processMove: Int64
        public var serviceMove: Int64
        public var machineMove: Int64
        public var total: Int64 { load + balance + processMove + serviceMove + machineMove }
    }
    public var feasible: Bool
    /// Each violated constraint, in words (capacity, transient, conflict, spread, dependency).
    public var violations: [String]
    /// Weighted parts of the objective.
    public var parts: Parts
    public var total: Int64 { parts.total }
    public var moved: Int
}

extension ROADEFInstance {
    public func evaluate(initial: [Int], solution: [Int], maxViolations: Int = 50) -> ROADEFEvaluation {
        let nm = machines.count, nr = resources.count
        var usage = [Int64](repeating: 0, count: nm * nr)
        var transientUsage = [Int64](repeating: 0, count: nm * nr)
        var violations: [String] = []
        func report(_ s: String) { if violations.count < maxViolations { violations.append(s) } }
        var moved = 0
        for (p, process) in processes.enumerated() {
            let m = solution[p], m0 = initial[p]
            for r in 0..<nr {
                usage[m * nr + r] += process.requirement[r]
                if resources[r].transient {
                    transientUsage[m * nr + r] += process.requirement[r]
                    if m0 != m { transientUsage[m0 * nr + r] += process.requirement[r] }
                }
            }
            if m != m0 { moved += 1 }
        }
        var loadCost: Int64 = 0, balanceCost: Int64 = 0
        for m in 0..<nm {
            for r in 0..<nr {
                let u = usage[m * nr + r]
                if u > machines[m].capacity[r] { report("capacity: machine \(m) resource \(r) uses \(u) of \(machines[m].capacity[r])") }
                if resources[r].transient && transientUsage[m * nr + r] > machines[m].capacity[r] {
                    report("transient: machine \(m) resource \(r) holds \(transientUsage[m * nr + r]) of \(machines[m].capacity[r])")
                }
                loadCost += resources[r].weightLoadCost * max(0, u - machines[m].safetyCapacity[r])
            }
            for b in balances {
                let a1 = machines[m].capacity[b.r1] - usage[m * nr + b.r1]
                let a2 = machines[m].capacity[b.r2] - usage[m * nr + b.r2]
                balanceCost += b.weight * max(0, b.target * a1 - a2)
            }
        }
        // Conflict, spread, service moves.
        var machineOf = [[Int]](repeating: [], count: services.count)
        var movedInService = [Int](repeating: 0, count: services.count)
        for (p, process) in processes.enumerated() {
            machineOf[process.service].append(solution[p])
            if solution[p] != initial[p] { movedInService[process.service] += 1 }
        }
        var neighborhoodsOf = [Set<Int>](repeating: [], count: services.count)
        for (s, service) in services.enumerated() {
            let ms = machineOf[s]
            if Set(ms).count != ms.count { report("conflict: service \(s) has two processes on one machine") }
            let locations = Set(ms.map { machines[$0].location })
            if locations.count < service.spreadMin { report("spread: service \(s) spans \(locations.count) locations, needs \(service.spreadMin)") }
            neighborhoodsOf[s] = Set(ms.map { machines[$0].neighborhood })
        }
        for (s, service) in services.enumerated() {
            for d in service.dependsOn where !neighborhoodsOf[s].isSubset(of: neighborhoodsOf[d]) {
                report("dependency: service \(s) runs in a neighborhood where service \(d) does not")
            }
        }
        var processMove: Int64 = 0, machineMove: Int64 = 0
        for (p, process) in processes.enumerated() where solution[p] != initial[p] {
            processMove += process.moveCost
            machineMove += moveCost(from: initial[p], to: solution[p])
        }
        let parts = ROADEFEvaluation.Parts(
            load: loadCost, balance: balanceCost, processMove: weightProcessMove * processMove,
            serviceMove: weightServiceMove * Int64(movedInService.max() ?? 0), machineMove: weightMachineMove * machineMove)
        return ROADEFEvaluation(feasible: violations.isEmpty, violations: violations, parts: parts, moved: moved)
    }
}
