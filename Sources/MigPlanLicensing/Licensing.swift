import Foundation
import MigPlanInventory

/// Licence units and cost of the inventory's products, for a placement.
///
/// Units per host follow the product's metric (shared/spec/inventory.md `products`):
/// - per-socket: one per socket, plus one more per `coresPerSocketLicense` cores beyond the
///   first block when set (VMware 2020: 32);
/// - per-socket-pair: ⌈sockets / 2⌉ (RHEL for Virtual Datacenters);
/// - per-core: ⌈factor × max(minCoresPerHost, Σ max(minCoresPerSocket, cores of each socket))⌉
///   (VMware 2024: 16 per CPU; Windows Server: 8 per CPU and 16 per host; Oracle: × 0.5);
/// - per-host: 1;
/// - per-vcpu: per VM, max(minPerVm, vCPUs), wherever it runs.
///
/// Which hosts count is the product's scope: `cluster` every connected host (Oracle soft
/// partitioning: rules do not count), `reach` every host a VM of the product may run on (its
/// must-rules and readiness decide), `occupancy` the hosts where such VMs run.
public struct LicenseUsage: Sendable, Hashable, Codable {
    public var product: String
    public var metric: Product.Metric
    public var scope: Product.Scope
    public var units: Double
    public var cost: Double
    /// Hosts that must be licensed (empty for per-vCPU products).
    public var hosts: [String]
}

public enum Licensing {
    /// Units one host needs for a product (per-host metrics; 0 for per-vCPU).
    public static func unitsPerHost(_ p: Product, _ h: MigPlanInventory.Host) -> Double {
        switch p.metric {
        case .perSocket:
            guard p.coresPerSocketLicense > 0 else { return Double(h.sockets) }
            let perSocket = (h.coresPerSocket + p.coresPerSocketLicense - 1) / p.coresPerSocketLicense
            return Double(h.sockets * max(1, perSocket))
        case .perSocketPair:
            return Double((h.sockets + 1) / 2)
        case .perCore:
            let cores = max(p.minCoresPerHost, h.sockets * max(p.minCoresPerSocket, h.coresPerSocket))
            // Rounded up, and a host with cores never needs less than one licence.
            return max(1, (Double(cores) * p.coreFactor - 1e-9).rounded(.up))
        case .perHost:
            return 1
        case .perVCPU:
            return 0
        }
    }

    /// Units and cost of every product for hosts placed as `placement` (VM index → host index).
    /// `reach` gives, per VM, the hosts it may run on (for `reach` scope); `connected` says which
    /// hosts are in service (powered off or removed hosts count for no scope).
    public static func usage(_ inv: Inventory, placement: [Int], reach: [[Int]], connected: [Bool]) -> [LicenseUsage] {
        inv.products.map { p in
            let vms = inv.vms.indices.filter { inv.vms[$0].products.contains(p.name) }
            if p.metric == .perVCPU {
                let units = vms.reduce(0.0) { $0 + Double(max(p.minPerVm, inv.vms[$1].vcpus)) }
                return LicenseUsage(product: p.name, metric: p.metric, scope: p.scope, units: units,
                                    cost: units * p.unitPrice, hosts: [])
            }
            var hosts = Set<Int>()
            switch p.scope {
            case .cluster:
                hosts = Set(inv.hosts.indices.filter { connected[$0] })
            case .reach:
                for v in vms { hosts.insert(placement[v]); hosts.formUnion(reach[v].filter { connected[$0] }) }
            case .occupancy:
                for v in vms { hosts.insert(placement[v]) }
            }
            if vms.isEmpty && p.scope != .cluster { hosts = [] }
            let sorted = hosts.sorted()
            let units = sorted.reduce(0.0) { $0 + unitsPerHost(p, inv.hosts[$1]) }
            return LicenseUsage(product: p.name, metric: p.metric, scope: p.scope, units: units,
                                cost: units * p.unitPrice, hosts: sorted.map { inv.hosts[$0].name })
        }
    }
}
