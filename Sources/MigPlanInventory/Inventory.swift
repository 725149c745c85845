import MigPlanCPU

/// One cluster (one live-migration domain) as a cluster manager describes it: hosts, VMs, rules
/// and licensed products (shared/spec/inventory.md, version 1).
public struct Inventory: Sendable {
    public var version: Int
    public var cluster: Cluster
    public var hosts: [Host]
    public var vms: [VM]
    public var rules: [Rule]
    public var products: [Product]
    /// Where it was read from (`-` for standard input).
    public var source: String

    private var hostIndex: [String: Int]
    private var vmIndex: [String: Int]
    private var productIndex: [String: Int]

    public init(version: Int = 1, cluster: Cluster, hosts: [Host], vms: [VM], rules: [Rule], products: [Product], source: String) {
        self.version = version
        self.cluster = cluster
        self.hosts = hosts
        self.vms = vms
        self.rules = rules
        self.products = products
        self.source = source
        hostIndex = Dictionary(hosts.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        vmIndex = Dictionary(vms.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        productIndex = Dictionary(products.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
    }

    public func host(named name: String) -> Int? { hostIndex[name] }
    public func vm(named name: String) -> Int? { vmIndex[name] }
    public func product(named name: String) -> Int? { productIndex[name] }

    /// Hosts in a host group.
    public func hosts(inGroup group: String) -> [Int] {
        hosts.indices.filter { hosts[$0].groups.contains(group) }
    }

    /// The CPU a VM's guest sees: its own `cpu`, else what its current host presents.
    public func guestCPU(of vm: Int) -> CPU {
        vms[vm].cpu ?? hosts[vms[vm].host].presents
    }
}

public struct Cluster: Sendable, Hashable {
    public var name: String
    public var migration: MigrationSettings
    public var balance: BalanceSettings
    public init(name: String, migration: MigrationSettings = .init(), balance: BalanceSettings = .init()) {
        self.name = name
        self.migration = migration
        self.balance = balance
    }
}

public struct MigrationSettings: Sendable, Hashable {
    /// One migration stream on the migration network, MiB/s.
    public var bandwidthMiBps: Double = 1100
    /// Migrations in flight touching one host.
    public var maxConcurrentPerHost: Int = 4
    /// Default switch-over budget per VM.
    public var maxDowntimeMs: Double = 300
    public var maxPrecopyRounds: Int = 30
    /// Fixed cost of the final switch-over.
    public var resumeMs: Double = 20
    public init() {}
}

public struct BalanceSettings: Sendable, Hashable {
    /// 1 conservative (mandatory moves only) … 5 aggressive, as DRS.
    public var threshold: Int = 3
    /// Per plan: moves whose source or destination is a host (evacuations not counted).
    public var maxMovesPerHost: Int = 8
    /// Per plan; 0 = no cap.
    public var maxMoves: Int = 0
    public var cpuHeadroomPct: Double = 20
    public var memoryHeadroomPct: Double = 10
    /// Hard: Σ configured VM memory ≤ host memory × this.
    public var memoryOvercommit: Double = 1.0
    public init() {}
}

public enum HypervisorKind: String, Sendable, Hashable, CaseIterable, Codable {
    case esxi, kvm, xen, hyperv, other
}

public enum HostState: String, Sendable, Hashable, CaseIterable, Codable {
    /// Runs VMs and takes migrations.
    case connected
    /// Must be evacuated; takes no VM.
    case maintenance
    /// Powered off (DPM); takes no VM.
    case standby
}

public struct Host: Sendable {
    public var name: String
    /// The host's CPU.
    public var cpu: CPU
    /// What it presents to VMs (an EVC-like mask); equals `cpu` unless masked.
    public var presents: CPU
    public var sockets: Int
    public var coresPerSocket: Int
    public var mhzPerCore: Double
    public var memoryMiB: Double
    public var datastores: [String]
    public var networks: [String]
    public var faultDomain: String?
    public var groups: [String]
    public var hypervisor: HypervisorKind
    public var hypervisorVersion: String?
    public var state: HostState

    public init(name: String, cpu: CPU, presents: CPU? = nil, sockets: Int, coresPerSocket: Int, mhzPerCore: Double,
                memoryMiB: Double, datastores: [String] = [], networks: [String] = [], faultDomain: String? = nil,
                groups: [String] = [], hypervisor: HypervisorKind = .other, hypervisorVersion: String? = nil,
                state: HostState = .connected) {
        self.name = name
        self.cpu = cpu
        self.presents = presents ?? cpu
        self.sockets = sockets
        self.coresPerSocket = coresPerSocket
        self.mhzPerCore = mhzPerCore
        self.memoryMiB = memoryMiB
        self.datastores = datastores
        self.networks = networks
        self.faultDomain = faultDomain
        self.groups = groups
        self.hypervisor = hypervisor
        self.hypervisorVersion = hypervisorVersion
        self.state = state
    }

    public var cores: Int { sockets * coresPerSocket }
    /// sockets × coresPerSocket × mhzPerCore.
    public var cpuCapacityMHz: Double { Double(cores) * mhzPerCore }
}

public struct VM: Sendable {
    public var name: String
    /// Index of its current host.
    public var host: Int
    public var vcpus: Int
    public var cpuDemandMHz: Double
    public var cpuReservationMHz: Double
    /// Configured size: what pre-copy must send.
    public var memoryMiB: Double
    /// Demand for balancing.
    public var memoryActiveMiB: Double
    public var dirtyRateMiBps: Double
    /// The CPU it was powered on with, if the inventory says; else what its host presents.
    public var cpu: CPU?
    public var datastores: [String]
    public var networks: [String]
    public var passthroughDevices: Int
    public var localDisks: Int
    /// nil when not given; `auto` gives `macAuto`.
    public var mac: String?
    public var products: [String]
    public var maxDowntimeMs: Double?
    public var movable: Bool

    public var macAuto: Bool { mac == "auto" }

    public init(name: String, host: Int, vcpus: Int, cpuDemandMHz: Double, cpuReservationMHz: Double = 0, memoryMiB: Double,
                memoryActiveMiB: Double? = nil, dirtyRateMiBps: Double = 0, cpu: CPU? = nil, datastores: [String] = [],
                networks: [String] = [], passthroughDevices: Int = 0, localDisks: Int = 0, mac: String? = nil,
                products: [String] = [], maxDowntimeMs: Double? = nil, movable: Bool = true) {
        self.name = name
        self.host = host
        self.vcpus = vcpus
        self.cpuDemandMHz = cpuDemandMHz
        self.cpuReservationMHz = cpuReservationMHz
        self.memoryMiB = memoryMiB
        self.memoryActiveMiB = memoryActiveMiB ?? memoryMiB
        self.dirtyRateMiBps = dirtyRateMiBps
        self.cpu = cpu
        self.datastores = datastores
        self.networks = networks
        self.passthroughDevices = passthroughDevices
        self.localDisks = localDisks
        self.mac = mac
        self.products = products
        self.maxDowntimeMs = maxDowntimeMs
        self.movable = movable
    }
}

public struct Rule: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable, Codable {
        case vmAffinity = "vm-affinity", vmAntiAffinity = "vm-anti-affinity", vmHost = "vm-host"
        /// The VMs spread over at least `minFaultDomains` distinct fault domains (HA across racks/rooms).
        case vmSpread = "vm-spread"
    }
    public enum Policy: String, Sendable, Hashable, CaseIterable, Codable {
        case must, should, mustNot = "must-not", shouldNot = "should-not"
        public var isHard: Bool { self == .must || self == .mustNot }
        public var isNegative: Bool { self == .mustNot || self == .shouldNot }
    }
    public var name: String
    public var kind: Kind
    /// VM indices.
    public var vms: [Int]
    public var hostGroup: String?
    public var policy: Policy
    /// vm-spread only: the least number of distinct fault domains holding the rule's VMs.
    public var minFaultDomains: Int?

    public init(name: String, kind: Kind, vms: [Int], hostGroup: String? = nil, policy: Policy, minFaultDomains: Int? = nil) {
        self.name = name
        self.kind = kind
        self.vms = vms
        self.hostGroup = hostGroup
        self.policy = policy
        self.minFaultDomains = minFaultDomains
    }
}

extension Inventory {
    /// The fault domain of host `h`: its `faultDomain`, or the host alone when it names none.
    public func faultDomain(ofHost h: Int) -> String { hosts[h].faultDomain ?? "host \(hosts[h].name)" }

    /// Each host's fault domain as an index (equal index, same domain), for counting without strings.
    public func faultDomainIndices() -> [Int] {
        var index: [String: Int] = [:]
        return hosts.indices.map { h in
            let d = faultDomain(ofHost: h)
            if let i = index[d] { return i }
            index[d] = index.count
            return index.count - 1
        }
    }
}

extension Rule {
    /// Distinct fault domains holding the rule's VMs, each VM on `hostOf(vm)`; `domainOf` from
    /// ``Inventory/faultDomainIndices()``.
    public func faultDomainCount(_ domainOf: [Int], hostOf: (Int) -> Int) -> Int {
        Set(vms.map { domainOf[hostOf($0)] }).count
    }

    /// Whether a vm-spread rule is kept by a placement: at least its minimum of fault domains, or, when
    /// it was already short before (`before`), no fewer than then.
    public func spreadKept(_ domainOf: [Int], hostOf: (Int) -> Int, before: Int? = nil) -> Bool {
        let n = faultDomainCount(domainOf, hostOf: hostOf)
        return n >= minFaultDomains ?? 0 || (before.map { n >= $0 } ?? false)
    }
}

public struct Product: Sendable, Hashable {
    public enum Metric: String, Sendable, Hashable, CaseIterable, Codable {
        case perSocket = "per-socket", perSocketPair = "per-socket-pair", perCore = "per-core"
        case perHost = "per-host", perVCPU = "per-vcpu"
    }
    public enum Scope: String, Sendable, Hashable, CaseIterable, Codable {
        /// Every connected host of the cluster must be licensed.
        case cluster
        /// Every host a VM of the product may run on.
        case reach
        /// Only hosts where such VMs run.
        case occupancy
    }
    public var name: String
    public var metric: Metric
    public var coreFactor: Double
    public var minCoresPerSocket: Int
    public var minCoresPerHost: Int
    public var coresPerSocketLicense: Int
    public var minPerVm: Int
    public var unitPrice: Double
    public var scope: Scope
    /// Host indices licensed today, when the inventory says (licensedHosts or licensedGroup).
    public var licensedHosts: [Int]?
    public var licensedGroup: String?
    /// Budget of units; 0 = none.
    public var maxUnits: Double

    public init(name: String, metric: Metric, coreFactor: Double = 1, minCoresPerSocket: Int = 0, minCoresPerHost: Int = 0,
                coresPerSocketLicense: Int = 0, minPerVm: Int = 0, unitPrice: Double, scope: Scope,
                licensedHosts: [Int]? = nil, licensedGroup: String? = nil, maxUnits: Double = 0) {
        self.name = name
        self.metric = metric
        self.coreFactor = coreFactor
        self.minCoresPerSocket = minCoresPerSocket
        self.minCoresPerHost = minCoresPerHost
        self.coresPerSocketLicense = coresPerSocketLicense
        self.minPerVm = minPerVm
        self.unitPrice = unitPrice
        self.scope = scope
        self.licensedHosts = licensedHosts
        self.licensedGroup = licensedGroup
        self.maxUnits = maxUnits
    }
}
