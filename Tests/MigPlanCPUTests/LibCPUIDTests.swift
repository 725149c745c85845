import Foundation
import Testing
@testable import MigPlanCPU

/// libcpuid on this machine: the link works and its reading agrees with migplan's decoding.
@Suite struct LibCPUIDTests {
    @Test func decodesThisMachine() throws {
        let db = try CPUDB.builtin()
        #expect(LibCPUID.isAvailable)
        let (cpu, raw, identity) = try db.probeLocal()
        #expect(raw.vendorString == identity.vendorString)
        #expect(cpu.vendor == db.vendor(named: identity.vendorString)?.name)
        let sig = try #require(cpu.signature)
        #expect(sig.family == identity.displayFamily)
        #expect(sig.model == identity.displayModel)
        #expect(sig.stepping == identity.stepping)
        #expect(!identity.brand.isEmpty)
        // Every libcpuid flag with a cpudb name is a feature migplan decoded too.
        var missing: [String] = []
        for flag in identity.flags {
            guard let i = db.featureIndex(named: flag) else { continue }
            if !cpu.features.contains(i) { missing.append(flag) }
        }
        #expect(missing.isEmpty, "libcpuid sees \(missing) that the catalogue decode does not")
        #expect(cpu.features.count >= identity.flags.count / 2)
        // A real x86-64 machine is at least x86-64-v1 and has a libvirt host model.
        #expect(try db.model(named: "x86-64-v1").features.isSubset(of: cpu.features))
        #expect(cpu.model != nil)
        // Reading twice gives the same answer.
        #expect(try db.probeLocal().cpu.features == cpu.features)
    }
}
