import MigPlanLP

extension Search {
    /// Exact re-placement of two hosts at a time. The VMs on a pair of hosts are re-solved over
    /// the two by lp_solve (``ExactModel`` of that neighbourhood, every other VM fixed) with the
    /// objective required to beat the pair's current value; an answer is kept when the whole
    /// objective drops and capacity, every hard rule, cap and licence budget still hold. Single
    /// moves and swaps cannot make the exchanges of three or more VMs that balance CPU and memory
    /// together with little copying; these solves find them.
    ///
    /// Pairs are taken by how much of their deviations could cancel (one host's excess against
    /// the other's lack, CPU and memory), `workers` disjoint pairs solved side by side; a pair is
    /// not tried again until one of its hosts changes. Each solve stops at `workLimit`
    /// (lp_solve's progress callbacks), so the result does not depend on the clock unless the
    /// deadline stops the rounds (then `cutByClock` is set). With more VMs on a pair than
    /// `maxBinaries / 2`, the VMs already moved and then the cheapest to copy per MHz are free.
    /// Returns the number of neighbourhoods that improved the placement.
    @discardableResult
    mutating func exactPairs(_ s: inout PlacementState, rounds: Int, workLimit: Int = 5_000, maxBinaries: Int = 80,
                             workers: Int = 2) -> Int {
        let p = problem
        let targets = (0..<p.hostCount).filter { p.isTarget[$0] }
        guard p.balanceWeight > 0, targets.count >= 2, rounds > 0 else { return 0 }
        // Budgets over their cap on entry may stay so but not grow (as `budgetsAllow` judges moves).
        let start = s
        var tried = Set<[Int]>()
        var improved = 0
        var done = 0
        while done < rounds {
            if timeUp { cutByClock = true; break }
            // The batch: the pairs of highest potential, pairwise disjoint, not yet tried.
            func cpu(_ h: Int) -> Double { s.load[h] - p.targetLoad * p.cpuCapacity[h] }
            func mem(_ h: Int) -> Double { (s.activeMemory[h] - p.targetMemory * p.hostMemory[h]) * p.memoryScale }
            func cancel(_ x: Double, _ y: Double) -> Double { x * y < 0 ? min(abs(x), abs(y)) : 0 }
            var ranked: [(pair: [Int], potential: Double)] = []
            for (i, a) in targets.enumerated() {
                let ca = cpu(a), ma = mem(a)
                for b in targets[(i + 1)...] where !tried.contains([a, b]) {
                    let potential = p.balanceWeight * cancel(ca, cpu(b)) + p.memoryWeight * cancel(ma, mem(b))
                    if potential > 0 { ranked.append(([a, b], potential)) }
                }
            }
            ranked.sort { ($0.potential, $1.pair[0], $1.pair[1]) > ($1.potential, $0.pair[0], $0.pair[1]) }
            var batch: [[Int]] = []
            var busy = Set<Int>()
            for (pair, _) in ranked where batch.count < min(workers, rounds - done) && !busy.contains(pair[0]) && !busy.contains(pair[1]) {
                batch.append(pair)
                busy.formUnion(pair)
            }
            guard !batch.isEmpty else { break }
            done += batch.count
            for pair in batch { tried.insert(pair) }
            // Models are built on this thread (they read the state), solved side by side.
            let jobs: [(vms: [Int], program: LinearProgram, model: ExactModel)?] = batch.map { pair in
                var vms = (0..<p.vmCount).filter { v in
                    let h = s.host[v]
                    return (h == pair[0] || h == pair[1]) && p.movable[v] && p.canHost(v, h == pair[0] ? pair[1] : pair[0])
                }
                if vms.count * 2 > maxBinaries {
                    vms.sort { a, b in
                        let ma = s.host[a] != p.home[a], mb = s.host[b] != p.home[b]
                        return ma != mb ? ma : (p.moveCost[a] / max(p.demand[a], 1), a) < (p.moveCost[b] / max(p.demand[b], 1), b)
                    }
                    vms = Array(vms.prefix(maxBinaries / 2))
                }
                guard vms.count >= 2 else { return nil }
                let model = ExactModel(p, neighbourhood: .init(current: s.host, vms: vms, hosts: pair))
                // Only answers better than the pair's current placement are of use.
                let now = s.objective(ofHosts: pair, rulesOf: vms)
                var program = model.program
                program.addConstraint(program.objective, .lessOrEqual, now - program.objectiveConstant - max(1e-3, 1e-7 * abs(now)))
                return (vms, program, model)
            }
            let solutions = concurrentMap(jobs.count) { i in
                jobs[i].map { $0.program.solve(SolveOptions(ceilingFirst: true, workLimit: workLimit, verifyOptimum: false)) }
            }
            for (i, job) in jobs.enumerated() {
                guard let job, let solution = solutions[i], solution.hasSolution else { continue }
                let placed = job.model.placement(solution)
                let before = s.objective
                var undo: [(vm: Int, from: Int)] = []
                for v in job.vms where placed[v] != s.host[v] {
                    undo.append((v, s.host[v]))
                    s.move(v, to: placed[v])
                }
                guard !undo.isEmpty else { continue }
                let fit = batch[i].allSatisfy { !s.overCapacity($0) }
                if fit && s.objective < before - 1e-7 && s.capsAndBudgetsHold(comparedTo: start) && s.brokenHardRules().isEmpty {
                    improved += 1
                    for (v, _) in undo {
                        if s.host[v] == p.home[v] { reasons[v] = nil } else if reasons[v] == nil { reasons[v] = .balance }
                    }
                    tried = tried.filter { !$0.contains(batch[i][0]) && !$0.contains(batch[i][1]) }
                } else {
                    for (v, h) in undo.reversed() { s.move(v, to: h) }
                }
            }
        }
        return improved
    }
}
