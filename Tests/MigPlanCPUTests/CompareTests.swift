import Foundation
import Testing
@testable import MigPlanCPU

@Suite struct CompareTests {
    @Test func cascadeLakeGuestCannotMoveToSkylake() throws {
        let db = try CPUDB.builtin()
        let c = db.compare(try db.resolveHost("Cascadelake-Server"), try db.resolveHost("Skylake-Server"))
        #expect(!c.compatible)
        #expect(c.verdict == .superset)
        #expect(c.missing == ["avx512vnni", "clflushopt", "spec-ctrl", "ssbd"])
        #expect(c.extra.isEmpty)
        #expect(c.reasons.map(\.kind) == ["cpu-feature"])
        // The other way round works.
        let back = db.compare(try db.resolveHost("Skylake-Server"), try db.resolveHost("Cascadelake-Server"))
        #expect(back.compatible && back.verdict == .subset && back.missing.isEmpty)
        #expect(back.extra == c.missing)
        let same = db.compare(try db.resolveHost("Haswell"), try db.resolveHost("Haswell@1"))
        #expect(same.verdict == .identical && same.compatible)
    }

    @Test func vendorsNeverMix() throws {
        let db = try CPUDB.builtin()
        let c = db.compare(try db.resolveHost("Opteron_G3"), try db.resolveHost("Nehalem"))
        #expect(!c.compatible && c.vendorMismatch && c.verdict == .incompatible)
        #expect(c.reasons.first?.kind == "cpu-vendor")
        // Even a tiny AMD model does not go to a large Intel one.
        let g1 = db.compare(try db.resolveHost("Opteron_G1"), try db.resolveHost("Icelake-Server"))
        #expect(!g1.compatible && g1.missing.isEmpty && g1.vendorMismatch)
        // Hygon is its own vendor, not AMD.
        let h = db.compare(try db.resolveHost("Dhyana"), try db.resolveHost("EPYC"))
        #expect(h.vendorMismatch)
        // A vendor-neutral model (kvm64, x86-64-v2) runs anywhere that has its features.
        #expect(db.compare(try db.resolveHost("kvm64"), try db.resolveHost("EPYC-Rome")).compatible)
        #expect(db.compare(try db.resolveHost("x86-64-v2"), try db.resolveHost("Nehalem")).compatible)
        #expect(!db.compare(try db.resolveHost("x86-64-v3"), try db.resolveHost("Nehalem")).compatible)
    }

    @Test func nonMigratableFeaturesDoNotBlock() throws {
        let db = try CPUDB.builtin()
        var src = CPU(model: try db.model(named: "Skylake-Server"))
        src.features.insert(try db.feature(named: "invtsc").index)
        let c = db.compare(src, CPU(model: try db.model(named: "Skylake-Server")))
        #expect(c.compatible && c.verdict == .identical)
        #expect(c.ignored == ["invtsc"])
    }

    @Test func baselineOfDifferentVendorsNamesTheGroups() throws {
        let db = try CPUDB.builtin()
        let r = try db.baseline(try ["Nehalem", "Opteron_G3", "Westmere", "EPYC"].map { try db.resolveHost($0) })
        guard case let .failure(.vendorMismatch(groups)) = r else {
            Issue.record("expected a vendor mismatch")
            return
        }
        #expect(groups == ["Intel": ["Nehalem", "Westmere"], "AMD": ["Opteron_G3", "EPYC"]])
        #expect(throws: MigPlanError.emptyHostList) { try db.baseline([]) }
    }

    @Test func compatibilityMatrixAgreesWithPairwiseCompare() throws {
        let db = try CPUDB.builtin()
        let cpus = CPUGenerator(db: db, seed: 7).hosts(count: 300) + [CPU(model: try db.model(named: "kvm64"))]
        let m = CompatibilityMatrix(cpus, db: db)
        var pairs = 0
        for i in cpus.indices {
            for j in cpus.indices {
                let expected = db.compare(cpus[i], cpus[j]).compatible
                #expect(m.canMigrate(from: i, to: j) == expected)
                if expected { pairs += 1 }
            }
        }
        #expect(m.compatiblePairs == pairs)
        // Same seed, same hosts.
        #expect(CPUGenerator(db: db, seed: 7).hosts(count: 300) == Array(cpus.prefix(300)))
    }
}
