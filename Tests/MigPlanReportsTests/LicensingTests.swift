import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import MigPlanCPU
@testable import MigPlanInventory
@testable import MigPlanLicensing
@testable import MigPlanOptimizer
@testable import MigPlanReports

/// The worked examples of shared/reference/licensing.md §7, with their numbers.
@Suite struct LicensingTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let db: CPUDB
    init() throws { db = try CPUDB.builtin() }

    func licensing() throws -> Inventory {
        try Inventory.load(path: Self.root.appending(path: "examples/licensing/inventory.yaml").path, db: db)
    }

    @Test func unitsPerHostFollowEachMetric() throws {
        let host = { (s: Int, c: Int) in
            MigPlanInventory.Host(name: "h", cpu: CPU(model: try! CPUDB.builtin().model(named: "Skylake-Server")),
                                  sockets: s, coresPerSocket: c, mhzPerCore: 2000, memoryMiB: 1024)
        }
        let oracle = Product(name: "o", metric: .perCore, coreFactor: 0.5, unitPrice: 47500, scope: .cluster)
        #expect(Licensing.unitsPerHost(oracle, host(2, 16)) == 16)
        #expect(Licensing.unitsPerHost(oracle, host(1, 3)) == 2)  // 1.5 rounds up
        let vcf = Product(name: "v", metric: .perCore, minCoresPerSocket: 16, unitPrice: 350, scope: .cluster)
        #expect(Licensing.unitsPerHost(vcf, host(2, 12)) == 32)
        #expect(Licensing.unitsPerHost(vcf, host(2, 24)) == 48)
        let windows = Product(name: "w", metric: .perCore, minCoresPerSocket: 8, minCoresPerHost: 16, unitPrice: 384.6875, scope: .occupancy)
        #expect(Licensing.unitsPerHost(windows, host(1, 4)) == 16)
        #expect(Licensing.unitsPerHost(windows, host(2, 16)) == 32)
        let vsphere2020 = Product(name: "s", metric: .perSocket, coresPerSocketLicense: 32, unitPrice: 4000, scope: .cluster)
        #expect(Licensing.unitsPerHost(vsphere2020, host(2, 32)) == 2)
        #expect(Licensing.unitsPerHost(vsphere2020, host(2, 48)) == 4)
        let rhel = Product(name: "r", metric: .perSocketPair, unitPrice: 2499, scope: .reach)
        #expect(Licensing.unitsPerHost(rhel, host(2, 16)) == 1)
        #expect(Licensing.unitsPerHost(rhel, host(4, 16)) == 2)
        #expect(Licensing.unitsPerHost(Product(name: "x", metric: .perHost, unitPrice: 1, scope: .occupancy), host(2, 8)) == 1)
    }

    /// Example 1: Oracle DB EE on 4 hosts × 2 × 16 cores.
    @Test func oracleRoamingConfinedAndRuleOnly() throws {
        let inv = try licensing()
        let report = try ReportBuilder(db: db).report(inv, scenarios: [.current, .confine(product: "oracle-ee")])
        let current = try #require(report.scenarios[0].products["oracle-ee"])
        #expect(current.units == 64 && current.cost == 3_040_000)          // a) free to roam
        let confined = try #require(report.scenarios[1].products["oracle-ee"])
        #expect(confined.units == 32 && confined.cost == 1_520_000)        // b2) separate 2-host cluster
        #expect(report.scenarios[1].feasible && report.scenarios[1].moves > 0)
        // b1) a must-rule alone, scope cluster: still every host.
        var ruled = inv
        let oracleVMs = ruled.vms.indices.filter { ruled.vms[$0].products.contains("oracle-ee") }
        ruled.rules.append(Rule(name: "ora-must", kind: .vmHost, vms: oracleVMs, hostGroup: "oracle-hosts", policy: .must))
        let plan = try Optimizer(db: db).plan(ruled, options: PlanOptions(timeLimit: 10))
        #expect(plan.status != .infeasible)
        let after = try #require(plan.licensesAfter.first { $0.product == "oracle-ee" })
        #expect(after.units == 64)
        // …and the plan does keep them on h1/h2.
        for p in plan.placement where ruled.vms[ruled.vm(named: p.vm)!].products.contains("oracle-ee") {
            #expect(p.host == "h1" || p.host == "h2")
        }
    }

    /// Example 2: Windows Server Datacenter on 4 hosts vs confined to 2.
    @Test func windowsDatacenterOnFourVersusTwoHosts() throws {
        var inv = try licensing()
        let before = try ReportBuilder(db: db).report(inv, scenarios: [.current]).scenarios[0].products["windows-dc"]!
        #expect(before.units == 128 && before.cost == 49_240)
        let windows = inv.vms.indices.filter { inv.vms[$0].products.contains("windows-dc") }
        inv.rules.append(Rule(name: "win-on-h1-h2", kind: .vmHost, vms: windows, hostGroup: "windows-hosts", policy: .must))
        inv.cluster.balance.maxMovesPerHost = 0
        let plan = try Optimizer(db: db).plan(inv, options: PlanOptions(timeLimit: 10))
        #expect(plan.status != .infeasible)
        let after = try #require(plan.licensesAfter.first { $0.product == "windows-dc" })
        #expect(after.units == 64 && after.cost == 24_620)
        #expect(Set(after.hosts) == ["h1", "h2"])
        let doc = PlanDocument(plan)
        #expect(doc.licenses["windows-dc"]?.costBefore == 49_240 && doc.licenses["windows-dc"]?.costAfter == 24_620)
    }

    /// Example 3: VMware per-core with the 16-core-per-CPU floor: 8 hosts × 2 × 12 cores license
    /// 256 cores; 6 hosts × 2 × 16 cores, 192.
    @Test func vmwarePerCoreConsolidation() throws {
        func estate(hosts: Int, cores: Int) throws -> Inventory {
            var text = "version: 1\ncluster: { name: vcf }\nhosts:\n"
            for i in 0..<hosts {
                text += "  - { name: e\(i), cpu: Skylake-Server, sockets: 2, coresPerSocket: \(cores), mhzPerCore: 2400, memoryMiB: 524288, hypervisor: { kind: esxi } }\n"
            }
            text += "vms:\n  - { name: v, host: e0, vcpus: 2, cpuDemandMHz: 1000, memoryMiB: 4096, products: [vcf] }\n"
            text += "products:\n  - { name: vcf, metric: per-core, minCoresPerSocket: 16, unitPrice: 350, scope: cluster }\n"
            return try Inventory.parse(text, file: "vcf.yaml", baseDirectory: "/", db: db)
        }
        let before = try ReportBuilder(db: db).report(try estate(hosts: 8, cores: 12), scenarios: [.current]).scenarios[0]
        #expect(before.products["vcf"]?.units == 256 && before.products["vcf"]?.cost == 89_600)
        let after = try ReportBuilder(db: db).report(try estate(hosts: 6, cores: 16), scenarios: [.current]).scenarios[0]
        #expect(after.products["vcf"]?.units == 192 && after.products["vcf"]?.cost == 67_200)
        // The same estate under the 2020 per-CPU rule: 16 licences before.
        let perCPU = try ReportBuilder(db: db).report(try estate(hosts: 8, cores: 12),
                                                       scenarios: [.metric(product: "vcf", metric: .perSocket, parameters: ["coresPerSocketLicense": 32])])
        #expect(perCPU.scenarios[0].products["vcf"]?.units == 16)
    }

    /// An added host of another CPU vendor is priced but flagged: no running VM can reach it.
    @Test func addedHostOfAnotherVendorIsFlagged() throws {
        let inv = try licensing()
        let report = try ReportBuilder(db: db).report(inv, scenarios: [
            .addHost(name: "amd-1", model: "EPYC-Rome", sockets: 2, coresPerSocket: 32, memoryGiB: nil),
            .addHost(name: "intel-9", model: "Icelake-Server", sockets: 2, coresPerSocket: 32, memoryGiB: nil),
        ])
        #expect(report.scenarios[0].notes.contains { $0.hasPrefix("warning: EPYC-Rome") && $0.contains("AMD") })
        #expect(report.scenarios[0].moveList.allSatisfy { $0.to != "amd-1" })
        #expect(!report.scenarios[1].notes.contains { $0.hasPrefix("warning:") })
    }

    @Test func scenariosParseAndRefuseNonsense() throws {
        #expect(try Scenario.parse("confine:oracle-ee") == .confine(product: "oracle-ee"))
        #expect(try Scenario.parse("metric:w=per-core,minCoresPerSocket=8") == .metric(product: "w", metric: .perCore, parameters: ["minCoresPerSocket": 8]))
        #expect(try Scenario.parse("add-host:h9:Icelake-Server:2x32:1024") == .addHost(name: "h9", model: "Icelake-Server", sockets: 2, coresPerSocket: 32, memoryGiB: 1024))
        for bad in ["confine:", "metric:w=per-planet", "add-host:h9:x:2by32", "remove-host:", "frobnicate", "metric:w=per-core,colour=3"] {
            #expect(throws: MigPlanError.self) { try Scenario.parse(bad) }
        }
        let inv = try licensing()
        #expect(throws: MigPlanError.self) { try ReportBuilder(db: db).report(inv, scenarios: [.confine(product: "sap")]) }
        #expect(throws: MigPlanError.self) { try ReportBuilder(db: db).report(inv, scenarios: [.removeHost("h9")]) }
    }

    @Test func htmlIsWellFormedWithOneChartPerProductAndCSVHasARowPerProduct() throws {
        let inv = try licensing()
        let report = try ReportBuilder(db: db).report(inv, scenarios: [.current, .consolidate, .confine(product: "oracle-ee")])
        let html = ReportWriter.html(report)
        let doc = try XMLDocument(xmlString: html, options: [])
        let root = try #require(doc.rootElement())
        #expect(root.name == "html")
        func all(_ e: XMLElement, _ name: String) -> [XMLElement] {
            (e.name == name ? [e] : []) + (e.children ?? []).compactMap { $0 as? XMLElement }.flatMap { all($0, name) }
        }
        #expect(all(root, "svg").count == inv.products.count + 1)
        for product in inv.products {
            #expect(html.components(separatedBy: "<figure class=\"chart product\" data-chart=\"\(product.name)\">").count == 2,
                    "one chart for \(product.name)")
        }
        #expect(html.components(separatedBy: "<figure class=\"chart product\"").count == inv.products.count + 1)
        // Nothing fetched from the network: the only URLs are XML namespace names.
        let urls = html.components(separatedBy: "http").count - 1
        let namespaces = html.components(separatedBy: "xmlns=\"http").count - 1
        #expect(urls == namespaces)
        #expect(!html.contains("<script") && !html.contains("<link"))
        #expect(html.contains(ReportBuilder.disclaimer))
        let csv = ReportWriter.csv(report)
        #expect(csv.split(separator: "\n").count == 1 + 3 * inv.products.count)
        let table = ReportWriter.table(report)
        #expect(table.contains("confine:oracle-ee") && table.contains("1,520,000"))
    }
}
