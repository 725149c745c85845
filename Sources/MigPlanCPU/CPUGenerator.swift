/// A small deterministic random source (SplitMix64): same seed, same sequence, on every platform.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Generates host CPUs for benchmarks and tests: real cpudb models of recent generations, each
/// host with a few features switched off (BIOS options, microcode, hypervisor masks), so that
/// most hosts are CPU classes of their own — the hard case for a compatibility matrix.
public struct CPUGenerator: Sendable {
    public let db: CPUDB
    public var seed: UInt64

    public init(db: CPUDB, seed: UInt64) {
        self.db = db
        self.seed = seed
    }

    public func hosts(count: Int, maxDisabledFeatures: Int = 4) -> [CPU] {
        var rng = SeededRandom(seed: seed)
        let pool = db.models.filter { $0.kind == .libvirt && $0.vendor != nil && $0.features.count > 40 }
        guard !pool.isEmpty else { return [] }
        return (0..<count).map { i in
            let model = pool[Int(rng.next() % UInt64(pool.count))]
            var features = model.features
            let members = features.indices
            for _ in 0..<Int(rng.next() % UInt64(maxDisabledFeatures + 1)) where !members.isEmpty {
                features.remove(members[Int(rng.next() % UInt64(members.count))])
            }
            return CPU(name: "host-\(i)", vendor: model.vendor, features: features, model: nil,
                       origin: "generated from \(model.name)")
        }
    }
}
