import Foundation
import MigPlanCPU

/// Seeded generator of realistic inventories for benchmarks and tests: mixed CPU generations
/// (some hosts presenting an older baseline), skewed load, anti-affinity and host rules,
/// licensed products, local disks, passthrough devices and a few VMs that dirty memory faster
/// than the link. The same seed gives the same inventory.
public struct InventoryGenerator: Sendable {
    public var hosts: Int
    public var vms: Int
    public var seed: UInt64

    public init(hosts: Int, vms: Int, seed: UInt64) {
        self.hosts = hosts
        self.vms = vms
        self.seed = seed
    }

    public func generate(db: CPUDB) throws(MigPlanError) -> Inventory {
        var rng = SeededRandom(seed: seed)
        func uniform() -> Double { Double(rng.next() >> 11) / Double(1 << 53) }
        func pick<T>(_ items: [T]) -> T { items[Int(rng.next() % UInt64(items.count))] }
        func normal() -> Double {
            let u = max(uniform(), 1e-12), v = uniform()
            return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
        }

        let generations = ["Haswell-noTSX", "Broadwell-noTSX", "Skylake-Server", "Cascadelake-Server", "Icelake-Server"]
        var hostList: [Host] = []
        let racks = max(1, (hosts + 7) / 8)
        for i in 0..<hosts {
            // Newer generations in later racks; each rack one or two generations.
            let rack = i / 8
            let generation = min(generations.count - 1, rack * generations.count / racks + (i % 8 >= 6 ? 1 : 0))
            let model = try db.model(named: generations[generation])
            var cpu = CPU(model: model)
            cpu.name = String(format: "esx-%03d", i + 1)
            var presents = cpu
            // A third of the newer hosts present the rack's older baseline (EVC-like).
            if generation > 0 && i % 3 == 0 {
                presents = CPU(model: try db.model(named: generations[generation - 1]))
                presents.name = cpu.name
            }
            let cores = pick([16, 20, 24, 28, 32])
            hostList.append(Host(
                name: cpu.name, cpu: cpu, presents: presents, sockets: 2, coresPerSocket: cores,
                mhzPerCore: pick([2100, 2300, 2500, 2700]), memoryMiB: Double(pick([384, 512, 768, 1024]) * 1024),
                datastores: i % 11 == 5 ? ["san-a", "san-b"] : ["san-a", "san-b", "san-c"],
                networks: i % 13 == 7 ? ["prod", "backup"] : ["prod", "dmz", "backup"],
                faultDomain: "rack-\(rack + 1)", groups: i % 8 < 2 ? ["oracle-hosts"] : [],
                hypervisor: .esxi, hypervisorVersion: "8.0.2", state: .connected))
        }

        // VMs: sizes as in shared/reference (vCPU 1/2/4/8/16 at .25/.35/.25/.12/.03, 2–8 GiB per
        // vCPU, 5–65 % busy), scaled so the cluster runs at about 55 % CPU and 70 % memory.
        let vcpuChoices: [(Int, Double)] = [(1, 0.25), (2, 0.35), (4, 0.25), (8, 0.12), (16, 0.03)]
        var sizes: [(vcpus: Int, memory: Double, busy: Double)] = []
        for _ in 0..<vms {
            var r = uniform(), vcpus = 16
            for (n, p) in vcpuChoices { if r < p { vcpus = n; break }; r -= p }
            sizes.append((vcpus, Double(vcpus * pick([2048, 4096, 8192])), 0.05 + 0.6 * uniform()))
        }
        let totalCPU = hostList.reduce(0) { $0 + $1.cpuCapacityMHz }
        let rawDemand = sizes.reduce(0) { $0 + Double($1.vcpus) * 2400 * $1.busy }
        let cpuScale = rawDemand > 0 ? 0.55 * totalCPU / rawDemand : 1
        let totalMemory = sizes.reduce(0) { $0 + $1.memory }
        if totalMemory > 0 {
            // Host memory sized so the VMs fill about 70 % of it (in steps of 64 GiB).
            let perCore = totalMemory / 0.7 / Double(hostList.reduce(0) { $0 + $1.cores })
            for i in hostList.indices {
                hostList[i].memoryMiB = max(65536, (perCore * Double(hostList[i].cores) / 65536).rounded(.up) * 65536)
            }
        }
        // Skewed placement: log-normal host attractiveness; a host takes VMs up to 95 % of its
        // memory and 97 % of its CPU.
        let weights = (0..<hosts).map { _ in exp(0.5 * normal()) }
        let total = weights.reduce(0, +)
        var cumulative: [Double] = []
        var acc = 0.0
        for w in weights { acc += w / total; cumulative.append(acc) }
        var memoryUsed = [Double](repeating: 0, count: hosts), cpuUsed = memoryUsed
        var vmList: [VM] = []
        for i in 0..<vms {
            let (vcpus, memory, busy) = sizes[i]
            let demand = (Double(vcpus) * 2400 * busy * cpuScale).rounded()
            var host = cumulative.firstIndex { $0 >= uniform() } ?? hosts - 1
            var tries = 0
            while (memoryUsed[host] + memory > hostList[host].memoryMiB * 0.95
                   || cpuUsed[host] + demand > hostList[host].cpuCapacityMHz * 0.97) && tries < hosts {
                host = (host + 1) % hosts
                tries += 1
            }
            memoryUsed[host] += memory
            cpuUsed[host] += demand
            let dirty = i % 500 == 17 ? 1500 : min(900, exp(3 + 1.2 * normal()))
            let database = i % 50 == 0
            var products: [String] = []
            if database && hostList[host].groups.contains("oracle-hosts") { products = ["oracle-ee"] }
            if i % 7 == 3 { products.append("windows-dc") }
            vmList.append(VM(
                name: String(format: "vm-%05d", i + 1), host: host, vcpus: vcpus, cpuDemandMHz: demand,
                cpuReservationMHz: database ? Double(vcpus * 1000) : 0, memoryMiB: memory,
                memoryActiveMiB: (memory * (0.2 + 0.7 * uniform())).rounded(), dirtyRateMiBps: dirty.rounded(),
                cpu: nil, datastores: [i % 9 == 0 ? "san-c" : "san-a"], networks: [i % 10 == 0 ? "dmz" : "prod"],
                passthroughDevices: i % 200 == 99 ? 1 : 0, localDisks: i % 100 == 42 ? 1 : 0,
                mac: i % 10 == 4 ? "auto" : String(format: "00:50:56:%02x:%02x:%02x", (i >> 16) & 0xFF, (i >> 8) & 0xFF, i & 0xFF),
                products: products, maxDowntimeMs: database ? 200 : nil, movable: i % 250 != 11))
        }
        // Rules: anti-affinity triples, affinity pairs (should), Oracle VMs must stay on Oracle hosts.
        var rules: [Rule] = []
        var byHost = [[Int]](repeating: [], count: hosts)
        for (v, vm) in vmList.enumerated() { byHost[vm.host].append(v) }
        var r = 0
        var v = 5
        while v + 400 < vms {
            // Three VMs already on three different hosts, so the rule holds today.
            let members = [v, v + 137, v + 389]
            if Set(members.map { vmList[$0].host }).count == 3 {
                rules.append(Rule(name: "apart-\(r)", kind: .vmAntiAffinity, vms: members, hostGroup: nil, policy: .must))
                r += 1
            }
            v += 97
        }
        for h in 0..<hosts where byHost[h].count >= 2 && h % 4 == 1 {
            rules.append(Rule(name: "together-\(h)", kind: .vmAffinity, vms: Array(byHost[h].prefix(2)), hostGroup: nil, policy: .should))
        }
        let oracle = vmList.indices.filter { vmList[$0].products.contains("oracle-ee") }
        if !oracle.isEmpty {
            rules.append(Rule(name: "oracle-on-oracle-hosts", kind: .vmHost, vms: oracle, hostGroup: "oracle-hosts", policy: .must))
        }
        let oracleHosts = hostList.indices.filter { hostList[$0].groups.contains("oracle-hosts") }
        let products = [
            Product(name: "oracle-ee", metric: .perCore, coreFactor: 0.5, minCoresPerSocket: 0, minCoresPerHost: 0,
                    coresPerSocketLicense: 0, minPerVm: 0, unitPrice: 47500, scope: .cluster,
                    licensedHosts: oracleHosts, licensedGroup: "oracle-hosts", maxUnits: 0),
            Product(name: "windows-dc", metric: .perCore, coreFactor: 1, minCoresPerSocket: 8, minCoresPerHost: 16,
                    coresPerSocketLicense: 0, minPerVm: 0, unitPrice: 384.6875, scope: .occupancy,
                    licensedHosts: nil, licensedGroup: nil, maxUnits: 0),
        ]
        var cluster = Cluster(name: "generated-\(hosts)x\(vms)-seed\(seed)")
        cluster.balance.memoryOvercommit = 1.0
        return Inventory(cluster: cluster, hosts: hostList, vms: vmList, rules: rules, products: products,
                         source: "generated (\(hosts) hosts, \(vms) VMs, seed \(seed))")
    }
}
