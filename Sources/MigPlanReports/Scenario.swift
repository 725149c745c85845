import MigPlanCPU
import MigPlanInventory

/// A what-if question for the licence report; each is answered by a real optimizer run.
public enum Scenario: Sendable, Hashable {
    /// The estate as it is.
    case current
    /// The smallest licensed host set that carries the product's VMs with one host of failover
    /// headroom (N+1); the VMs are confined there.
    case confine(product: String)
    /// Power off the hosts the rest can carry (DPM), licences saved.
    case consolidate
    /// The same placement under another metric: `metric:PRODUCT=per-core,minCoresPerSocket=16`.
    case metric(product: String, metric: Product.Metric, parameters: [String: Double])
    /// Retire a host: its VMs move elsewhere.
    case removeHost(String)
    /// A new host `NAME:MODEL:SOCKETSxCORES[:MEMORY_GiB]`, like the cluster's first host otherwise.
    case addHost(name: String, model: String, sockets: Int, coresPerSocket: Int, memoryGiB: Double?)

    public var name: String {
        switch self {
        case .current: return "current"
        case let .confine(p): return "confine:\(p)"
        case .consolidate: return "consolidate"
        case let .metric(p, m, params):
            return "metric:\(p)=\(m.rawValue)" + params.sorted { $0.key < $1.key }.map { ",\($0.key)=\(format($0.value))" }.joined()
        case let .removeHost(h): return "remove-host:\(h)"
        case let .addHost(n, m, s, c, mem): return "add-host:\(n):\(m):\(s)x\(c)" + (mem.map { ":\(format($0))" } ?? "")
        }
    }

    static let metricParameters = ["coreFactor", "minCoresPerSocket", "minCoresPerHost", "coresPerSocketLicense", "minPerVm", "unitPrice"]

    /// Parses `--scenario` text; errors say what was expected.
    public static func parse(_ text: String) throws(MigPlanError) -> Scenario {
        func bad(_ message: String) -> MigPlanError {
            .invalidInput(file: "--scenario", line: nil, keyPath: text, message: message)
        }
        if text == "current" { return .current }
        if text == "consolidate" { return .consolidate }
        if text.hasPrefix("confine:") {
            let p = String(text.dropFirst(8))
            guard !p.isEmpty else { throw bad("expected confine:PRODUCT") }
            return .confine(product: p)
        }
        if text.hasPrefix("remove-host:") {
            let h = String(text.dropFirst(12))
            guard !h.isEmpty else { throw bad("expected remove-host:HOST") }
            return .removeHost(h)
        }
        if text.hasPrefix("add-host:") {
            let parts = text.dropFirst(9).split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            let size = parts.count >= 3 ? parts[2].split(separator: "x").compactMap { Int($0) } : []
            guard (3...4).contains(parts.count), !parts[0].isEmpty, !parts[1].isEmpty, size.count == 2, size[0] > 0, size[1] > 0 else {
                throw bad("expected add-host:NAME:MODEL:SOCKETSxCORES[:MEMORY_GiB], e.g. add-host:esx-09:Icelake-Server:2x32:1024")
            }
            var memory: Double? = nil
            if parts.count == 4 {
                guard let m = Double(parts[3]), m > 0 else { throw bad("memory must be a number of GiB above 0") }
                memory = m
            }
            return .addHost(name: parts[0], model: parts[1], sockets: size[0], coresPerSocket: size[1], memoryGiB: memory)
        }
        if text.hasPrefix("metric:") {
            let body = text.dropFirst(7)
            guard let eq = body.firstIndex(of: "=") else { throw bad("expected metric:PRODUCT=METRIC[,key=value…]") }
            let product = String(body[..<eq])
            let items = body[body.index(after: eq)...].split(separator: ",").map(String.init)
            guard let first = items.first, let metric = Product.Metric(rawValue: first) else {
                throw bad("unknown metric; expected one of " + Product.Metric.allCases.map(\.rawValue).joined(separator: ", "))
            }
            var params: [String: Double] = [:]
            for item in items.dropFirst() {
                let kv = item.split(separator: "=").map(String.init)
                guard kv.count == 2, metricParameters.contains(kv[0]), let v = Double(kv[1]), v >= 0 else {
                    throw bad("expected key=value with key one of " + metricParameters.joined(separator: ", "))
                }
                params[kv[0]] = v
            }
            return .metric(product: product, metric: metric, parameters: params)
        }
        throw bad("unknown scenario; expected current, confine:PRODUCT, consolidate, metric:PRODUCT=METRIC, remove-host:HOST or add-host:NAME:MODEL:SxC[:GiB]")
    }
}

func format(_ x: Double) -> String {
    x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(x)
}
