import Foundation
import MigPlanCPU

/// A Google ROADEF/EURO 2012 machine-reassignment instance (problem definition v1, §2).
public struct ROADEFInstance: Sendable {
    public struct Resource: Sendable { public var transient: Bool; public var weightLoadCost: Int64 }
    public struct Machine: Sendable {
        public var neighborhood: Int
        public var location: Int
        public var capacity: [Int64]
        public var safetyCapacity: [Int64]
    }
    public struct Service: Sendable { public var spreadMin: Int; public var dependsOn: [Int] }
    public struct Process: Sendable { public var service: Int; public var requirement: [Int64]; public var moveCost: Int64 }
    public struct Balance: Sendable { public var r1: Int; public var r2: Int; public var target: Int64; public var weight: Int64 }

    public var resources: [Resource]
    public var machines: [Machine]
    /// Machine move cost, row-major |M| × |M|.
    public var machineMoveCost: [Int32]
    public var services: [Service]
    public var processes: [Process]
    public var balances: [Balance]
    public var weightProcessMove: Int64
    public var weightServiceMove: Int64
    public var weightMachineMove: Int64
    public var locations: Int
    public var neighborhoods: Int

    public func moveCost(from a: Int, to b: Int) -> Int64 { Int64(machineMoveCost[a * machines.count + b]) }

    /// Parses a `model_*.txt` file: whitespace-separated non-negative integers in the order of
    /// the problem definition. Errors name the file and what was expected where.
    public static func parse(_ text: String, file: String) throws(MigPlanError) -> ROADEFInstance {
        var reader = IntegerReader(text: text, file: file)
        func count(_ what: String, max: Int = 10_000_000) throws(MigPlanError) -> Int {
            let n = try reader.next(what)
            guard n >= 0, n <= max else { throw reader.fail("\(what): expected 0…\(max), found \(n)") }
            return Int(n)
        }
        let nr = try count("number of resources", max: 1000)
        var resources: [Resource] = []
        for r in 0..<nr {
            let t = try reader.next("resource \(r) transient flag")
            guard t == 0 || t == 1 else { throw reader.fail("resource \(r): transient flag must be 0 or 1, found \(t)") }
            resources.append(Resource(transient: t == 1, weightLoadCost: try reader.next("resource \(r) load-cost weight")))
        }
        let nm = try count("number of machines", max: 100_000)
        var machines: [Machine] = []
        var mmc = [Int32](repeating: 0, count: nm * nm)
        for m in 0..<nm {
            let n = try count("machine \(m) neighborhood")
            let l = try count("machine \(m) location")
            var c: [Int64] = [], sc: [Int64] = []
            for r in 0..<nr { c.append(try reader.next("machine \(m) capacity of resource \(r)")) }
            for r in 0..<nr { sc.append(try reader.next("machine \(m) safety capacity of resource \(r)")) }
            for m2 in 0..<nm {
                let v = try reader.next("machine move cost \(m)→\(m2)")
                guard v <= Int64(Int32.max) else { throw reader.fail("machine move cost \(m)→\(m2) too large") }
                mmc[m * nm + m2] = Int32(v)
            }
            machines.append(Machine(neighborhood: n, location: l, capacity: c, safetyCapacity: sc))
        }
        let ns = try count("number of services")
        var services: [Service] = []
        for s in 0..<ns {
            let spread = try count("service \(s) spreadMin")
            let k = try count("service \(s) number of dependencies")
            var deps: [Int] = []
            for _ in 0..<k {
                let d = try count("service \(s) dependency")
                guard d < ns else { throw reader.fail("service \(s) depends on service \(d), but there are \(ns)") }
                deps.append(d)
            }
            services.append(Service(spreadMin: spread, dependsOn: deps))
        }
        let np = try count("number of processes")
        var processes: [Process] = []
        for p in 0..<np {
            let s = try count("process \(p) service")
            guard s < ns else { throw reader.fail("process \(p) belongs to service \(s), but there are \(ns)") }
            var req: [Int64] = []
            for r in 0..<nr { req.append(try reader.next("process \(p) requirement of resource \(r)")) }
            processes.append(Process(service: s, requirement: req, moveCost: try reader.next("process \(p) move cost")))
        }
        let nb = try count("number of balance objectives", max: 1000)
        var balances: [Balance] = []
        for b in 0..<nb {
            let r1 = try count("balance \(b) resource 1"), r2 = try count("balance \(b) resource 2")
            guard r1 < nr, r2 < nr else { throw reader.fail("balance \(b) names a resource beyond \(nr)") }
            balances.append(Balance(r1: r1, r2: r2, target: try reader.next("balance \(b) target"),
                                    weight: try reader.next("balance \(b) weight")))
        }
        let wp = try reader.next("process move weight"), ws = try reader.next("service move weight"), wm = try reader.next("machine move weight")
        try reader.end()
        return ROADEFInstance(resources: resources, machines: machines, machineMoveCost: mmc, services: services,
                              processes: processes, balances: balances, weightProcessMove: wp, weightServiceMove: ws,
                              weightMachineMove: wm, locations: (machines.map(\.location).max() ?? -1) + 1,
                              neighborhoods: (machines.map(\.neighborhood).max() ?? -1) + 1)
    }

    /// Parses an assignment (`assignment_*.txt` or a solution): one machine per process.
    public func parseAssignment(_ text: String, file: String) throws(MigPlanError) -> [Int] {
        var reader = IntegerReader(text: text, file: file)
        var out: [Int] = []
        for p in 0..<processes.count {
            let m = try reader.next("machine of process \(p)")
            guard m < machines.count else { throw reader.fail("process \(p) on machine \(m), but there are \(machines.count)") }
            out.append(Int(m))
        }
        try reader.end()
        return out
    }
}

/// Whitespace-separated non-negative integers, with the line of each for errors.
struct IntegerReader {
    let bytes: [UInt8]
    let file: String
    var i = 0
    var line = 1

    init(text: String, file: String) {
        bytes = Array(text.utf8)
        self.file = file
    }

    func fail(_ message: String) -> MigPlanError { .invalidInput(file: file, line: line, keyPath: nil, message: message) }

    mutating func skip() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x09 || bytes[i] == 0x0D {
            if bytes[i] == 0x0A { line += 1 }
            i += 1
        }
    }

    mutating func next(_ what: String) throws(MigPlanError) -> Int64 {
        skip()
        guard i < bytes.count else { throw fail("the file ends where \(what) was expected") }
        var v: Int64 = 0
        let start = i
        while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 {
            v = v &* 10 &+ Int64(bytes[i] - 0x30)
            i += 1
            if i - start > 18 { throw fail("\(what): number too large") }
        }
        guard i > start else {
            throw fail("\(what): expected a non-negative integer, found '\(String(decoding: bytes[i..<min(bytes.count, i + 12)], as: UTF8.self))'")
        }
        return v
    }

    mutating func end() throws(MigPlanError) {
        skip()
        guard i == bytes.count else { throw fail("unexpected text after the last value") }
    }
}
