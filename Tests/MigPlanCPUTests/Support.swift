import Foundation
import Testing
@testable import MigPlanCPU

/// The real data beside the checkout: `../shared/data` (CI clones with shared/ beside it).
enum SharedData {
    static let root: URL = {
        if let env = ProcessInfo.processInfo.environment["MIGPLAN_SHARED_DATA"] {
            return URL(fileURLWithPath: env)
        }
        // Tests/MigPlanCPUTests/Support.swift → repository root → ../shared/data
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appending(path: "shared/data")
    }()

    static var cpuMap: URL { root.appending(path: "cpu-models/libvirt-9.0.0/cpu_map") }
    static var cpuTestData: URL { root.appending(path: "cpu-models/libvirt-9.0.0/cputestdata") }

    static func text(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }

    static func xml(_ url: URL) throws -> XMLElement {
        let doc = try XMLDocument(contentsOf: url, options: [])
        return try #require(doc.rootElement())
    }
}

#if canImport(FoundationXML)
@_exported import FoundationXML
#endif

