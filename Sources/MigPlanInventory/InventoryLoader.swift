import Foundation
import Logging
import MigPlanCPU

extension Inventory {
    static let topKeys = ["version", "cluster", "hosts", "vms", "rules", "products"]
    static let clusterKeys = ["name", "migration", "balance"]
    static let migrationKeys = ["bandwidthMiBps", "maxConcurrentPerHost", "maxDowntimeMs", "maxPrecopyRounds", "resumeMs"]
    static let balanceKeys = ["threshold", "maxMovesPerHost", "maxMoves", "cpuHeadroomPct", "memoryHeadroomPct", "memoryOvercommit"]
    static let hostKeys = ["name", "cpu", "presents", "sockets", "coresPerSocket", "mhzPerCore", "memoryMiB", "datastores",
                           "networks", "faultDomain", "groups", "hypervisor", "state"]
    static let vmKeys = ["name", "host", "vcpus", "cpuDemandMHz", "cpuReservationMHz", "memoryMiB", "memoryActiveMiB",
                         "dirtyRateMiBps", "cpu", "datastores", "networks", "passthroughDevices", "localDisks", "mac",
                         "products", "maxDowntimeMs", "movable"]
    static let ruleKeys = ["name", "kind", "vms", "hostGroup", "policy", "minFaultDomains"]
    static let productKeys = ["name", "metric", "coreFactor", "minCoresPerSocket", "minCoresPerHost", "coresPerSocketLicense",
                              "minPerVm", "unitPrice", "scope", "licensedHosts", "licensedGroup", "maxUnits"]

    /// Reads an inventory file (`-` = standard input). YAML or JSON; paths inside (`cpu: {dump: …}`)
    /// are relative to the file's directory.
    public static func load(path: String, db: CPUDB, logger: Logger? = nil) throws(MigPlanError) -> Inventory {
        let text: String
        var base = FileManager.default.currentDirectoryPath
        if path == "-" {
            let data = FileHandle.standardInput.readDataToEndOfFile()
            guard let t = String(data: data, encoding: .utf8) else {
                throw .invalidInput(file: "-", line: nil, keyPath: nil, message: "standard input is not UTF-8 text")
            }
            text = t
        } else {
            do { text = try String(contentsOfFile: path, encoding: .utf8) }
            catch { throw .unreadableFile(path, reason: (error as NSError).localizedDescription) }
            base = URL(fileURLWithPath: path).deletingLastPathComponent().path
        }
        let inventory = try parse(text, file: path == "-" ? "<stdin>" : path, baseDirectory: base, db: db)
        logger?.debug("inventory loaded", metadata: ["file": "\(path)", "hosts": "\(inventory.hosts.count)", "vms": "\(inventory.vms.count)"])
        return inventory
    }

    /// Parses inventory text; every problem is a `MigPlanError` naming file, line and key path.
    public static func parse(_ text: String, file: String, baseDirectory: String, db: CPUDB) throws(MigPlanError) -> Inventory {
        return try parse(root: try InputNode.parse(text, file: file), file: file, baseDirectory: baseDirectory, db: db)
    }

    static func parse(root: InputNode, file: String, baseDirectory: String, db: CPUDB) throws(MigPlanError) -> Inventory {
        // Top-level `x-…` keys belong to the author (YAML anchors to merge from, notes): not read.
        let top = try root.map(allowed: topKeys, extensionPrefix: "x-")
        guard let versionNode = top["version"] else { throw root.error("missing 'version' (1)") }
        let version = try versionNode.int()
        guard version == 1 else { throw versionNode.error("unsupported inventory version \(version); this migplan reads version 1") }

        // Cluster.
        guard let clusterNode = top["cluster"] else { throw root.error("missing 'cluster'") }
        let c = try clusterNode.map(allowed: clusterKeys)
        guard let clusterName = c["name"] else { throw clusterNode.error("missing 'name'") }
        var cluster = Cluster(name: try clusterName.string())
        if let m = c["migration"] {
            let k = try m.map(allowed: migrationKeys)
            if let v = k["bandwidthMiBps"] { cluster.migration.bandwidthMiBps = try positive(v) }
            if let v = k["maxConcurrentPerHost"] { cluster.migration.maxConcurrentPerHost = try v.int(in: 1...1024) }
            if let v = k["maxDowntimeMs"] { cluster.migration.maxDowntimeMs = try positive(v) }
            if let v = k["maxPrecopyRounds"] { cluster.migration.maxPrecopyRounds = try v.int(in: 1...10_000) }
            if let v = k["resumeMs"] { cluster.migration.resumeMs = try nonNegative(v) }
        }
        if let b = c["balance"] {
            let k = try b.map(allowed: balanceKeys)
            if let v = k["threshold"] { cluster.balance.threshold = try v.int(in: 1...5) }
            if let v = k["maxMovesPerHost"] { cluster.balance.maxMovesPerHost = try v.int(in: 0...1_000_000) }
            if let v = k["maxMoves"] { cluster.balance.maxMoves = try v.int(in: 0...10_000_000) }
            if let v = k["cpuHeadroomPct"] { cluster.balance.cpuHeadroomPct = try percent(v) }
            if let v = k["memoryHeadroomPct"] { cluster.balance.memoryHeadroomPct = try percent(v) }
            if let v = k["memoryOvercommit"] { cluster.balance.memoryOvercommit = try positive(v) }
        }

        // Hosts.
        var hosts: [Host] = []
        var hostByName: [String: Int] = [:]
        for node in try top["hosts"]?.list() ?? [] {
            let k = try node.map(allowed: hostKeys)
            let name = try required(k, "name", node).string()
            if hostByName[name] != nil { throw k["name"]!.error("host name '\(name)' given twice") }
            let cpuNode = try required(k, "cpu", node)
            var cpu = try readCPU(cpuNode, name: name, db: db, base: baseDirectory)
            cpu.name = name
            var presents = cpu
            if let p = k["presents"] {
                presents = try readCPU(p, name: name, db: db, base: baseDirectory)
                presents.name = name
                if let pv = presents.vendor, let cv = cpu.vendor, pv != cv {
                    throw p.error("presents a \(pv) CPU on a \(cv) host")
                }
                // Features the host's data cannot tell about (CPU.unknown) are taken on the mask's word.
                let beyond = db.guestVisible(presents.features).subtracting(cpu.features).subtracting(cpu.unknown)
                if !beyond.isEmpty {
                    throw p.error("presents features the host's CPU lacks: \(db.names(beyond).joined(separator: ", ")) (a mask can only hide features)")
                }
                presents.signature = cpu.signature
                presents.origin = "\(presents.origin), presented by \(name)"
            }
            var hv = HypervisorKind.other
            var hvVersion: String? = nil
            if let h = k["hypervisor"] {
                let hk = try h.map(allowed: ["kind", "version"])
                hv = try enumValue(try required(hk, "kind", h), HypervisorKind.self)
                hvVersion = try hk["version"]?.string()
            }
            let host = Host(
                name: name, cpu: cpu, presents: presents,
                sockets: try required(k, "sockets", node).int(in: 1...64),
                coresPerSocket: try required(k, "coresPerSocket", node).int(in: 1...4096),
                mhzPerCore: try positive(try required(k, "mhzPerCore", node)),
                memoryMiB: try positive(try required(k, "memoryMiB", node)),
                datastores: try k["datastores"]?.strings() ?? [], networks: try k["networks"]?.strings() ?? [],
                faultDomain: try k["faultDomain"]?.string(), groups: try k["groups"]?.strings() ?? [],
                hypervisor: hv, hypervisorVersion: hvVersion,
                state: try k["state"].map { (n) throws(MigPlanError) in try enumValue(n, HostState.self) } ?? .connected)
            hostByName[name] = hosts.count
            hosts.append(host)
        }
        if hosts.isEmpty { throw root.error("no hosts: 'hosts' needs at least one") }
        let groupNames = Set(hosts.flatMap(\.groups))

        // Products (before VMs, which name them).
        var products: [Product] = []
        var productByName: [String: Int] = [:]
        for node in try top["products"]?.list() ?? [] {
            let k = try node.map(allowed: productKeys)
            let name = try required(k, "name", node).string()
            if productByName[name] != nil { throw k["name"]!.error("product name '\(name)' given twice") }
            var licensed: [Int]? = nil
            if let l = k["licensedHosts"] {
                licensed = []
                for item in try l.list() {
                    let h = try item.string()
                    guard let i = hostByName[h] else { throw unknown(item, "host", h, hostByName.keys) }
                    licensed!.append(i)
                }
            }
            var group: String? = nil
            if let g = k["licensedGroup"] {
                guard licensed == nil else { throw g.error("give licensedHosts or licensedGroup, not both") }
                let text = try g.string()
                guard groupNames.contains(text) else { throw unknown(g, "host group", text, groupNames) }
                group = text
                licensed = hosts.indices.filter { hosts[$0].groups.contains(text) }
            }
            products.append(Product(
                name: name, metric: try enumValue(try required(k, "metric", node), Product.Metric.self),
                coreFactor: try k["coreFactor"].map { (n) throws(MigPlanError) in try positive(n) } ?? 1,
                minCoresPerSocket: try k["minCoresPerSocket"]?.int(in: 0...4096) ?? 0,
                minCoresPerHost: try k["minCoresPerHost"]?.int(in: 0...100_000) ?? 0,
                coresPerSocketLicense: try k["coresPerSocketLicense"]?.int(in: 0...4096) ?? 0,
                minPerVm: try k["minPerVm"]?.int(in: 0...4096) ?? 0,
                unitPrice: try nonNegative(try required(k, "unitPrice", node)),
                scope: try enumValue(try required(k, "scope", node), Product.Scope.self),
                licensedHosts: licensed, licensedGroup: group,
                maxUnits: try k["maxUnits"].map { (n) throws(MigPlanError) in try nonNegative(n) } ?? 0))
            productByName[name] = products.count - 1
        }

        // VMs.
        var vms: [VM] = []
        var vmByName: [String: Int] = [:]
        for node in try top["vms"]?.list() ?? [] {
            let k = try node.map(allowed: vmKeys)
            let name = try required(k, "name", node).string()
            if vmByName[name] != nil { throw k["name"]!.error("VM name '\(name)' given twice") }
            let hostNode = try required(k, "host", node)
            let hostName = try hostNode.string()
            guard let host = hostByName[hostName] else { throw unknown(hostNode, "host", hostName, hostByName.keys) }
            if hosts[host].state == .standby {
                throw hostNode.error("host \(hostName) is in standby (powered off) and cannot run a VM")
            }
            let memory = try positive(try required(k, "memoryMiB", node))
            var active = memory
            if let a = k["memoryActiveMiB"] {
                active = try nonNegative(a)
                guard active <= memory else { throw a.error("active memory \(Int(active)) MiB exceeds the configured \(Int(memory)) MiB") }
            }
            var cpu: CPU? = nil
            if let cn = k["cpu"] {
                var vmCPU = try readCPU(cn, name: name, db: db, base: baseDirectory)
                vmCPU.name = name
                let presents = hosts[host].presents
                if let v = vmCPU.vendor, let hv = presents.vendor, v != hv {
                    throw cn.error("a \(v) guest CPU on \(hostName), which presents \(hv)")
                }
                // A running guest shows its host has the features the host's data cannot tell about.
                let lacking = db.guestVisible(vmCPU.features).subtracting(presents.features).subtracting(presents.unknown)
                if !lacking.isEmpty {
                    throw cn.error("the guest CPU has features \(hostName) does not present, so it cannot be running there: \(db.names(lacking).joined(separator: ", "))")
                }
                cpu = vmCPU
            }
            var productNames: [String] = []
            for item in try k["products"]?.list() ?? [] {
                let p = try item.string()
                guard productByName[p] != nil else { throw unknown(item, "product", p, productByName.keys) }
                productNames.append(p)
            }
            var mac: String? = nil
            if let m = k["mac"] {
                let text = try m.string()
                guard text == "auto" || isMAC(text) else { throw m.error("expected a MAC address (00:50:56:aa:bb:cc) or 'auto', found '\(text)'") }
                mac = text
            }
            let vcpus = try required(k, "vcpus", node).int(in: 1...4096)
            let reservation = try k["cpuReservationMHz"].map { (n) throws(MigPlanError) in try nonNegative(n) } ?? 0
            vms.append(VM(
                name: name, host: host, vcpus: vcpus,
                cpuDemandMHz: try nonNegative(try required(k, "cpuDemandMHz", node)),
                cpuReservationMHz: reservation, memoryMiB: memory, memoryActiveMiB: active,
                dirtyRateMiBps: try k["dirtyRateMiBps"].map { (n) throws(MigPlanError) in try nonNegative(n) } ?? 0, cpu: cpu,
                datastores: try k["datastores"]?.strings() ?? [], networks: try k["networks"]?.strings() ?? [],
                passthroughDevices: try k["passthroughDevices"]?.int(in: 0...1024) ?? 0,
                localDisks: try k["localDisks"]?.int(in: 0...1024) ?? 0, mac: mac, products: productNames,
                maxDowntimeMs: try k["maxDowntimeMs"].map { (n) throws(MigPlanError) in try positive(n) },
                movable: try k["movable"]?.bool() ?? true))
            vmByName[name] = vms.count - 1
        }

        // Rules.
        var rules: [Rule] = []
        var ruleNames = Set<String>()
        for node in try top["rules"]?.list() ?? [] {
            let k = try node.map(allowed: ruleKeys)
            let name = try required(k, "name", node).string()
            guard ruleNames.insert(name).inserted else { throw k["name"]!.error("rule name '\(name)' given twice") }
            let kind = try enumValue(try required(k, "kind", node), Rule.Kind.self)
            var members: [Int] = []
            let vmsNode = try required(k, "vms", node)
            for item in try vmsNode.list() {
                let v = try item.string()
                guard let i = vmByName[v] else { throw unknown(item, "VM", v, vmByName.keys) }
                if members.contains(i) { throw item.error("VM \(v) listed twice") }
                members.append(i)
            }
            var policy: Rule.Policy
            var group: String? = nil
            var minDomains: Int? = nil
            if kind != .vmSpread, let m = k["minFaultDomains"] { throw m.error("only vm-spread rules take minFaultDomains") }
            switch kind {
            case .vmHost:
                policy = try enumValue(try required(k, "policy", node), Rule.Policy.self)
                let g = try required(k, "hostGroup", node)
                let text = try g.string()
                guard groupNames.contains(text) else { throw unknown(g, "host group", text, groupNames) }
                group = text
                if members.isEmpty { throw vmsNode.error("a vm-host rule needs at least one VM") }
            case .vmAffinity, .vmAntiAffinity:
                policy = try k["policy"].map { (n) throws(MigPlanError) in try enumValue(n, Rule.Policy.self) } ?? .must
                if policy.isNegative, let p = k["policy"] {
                    throw p.error("\(kind.rawValue) takes policy must or should; use the other kind for the opposite")
                }
                if let g = k["hostGroup"] { throw g.error("\(kind.rawValue) rules do not take a hostGroup") }
                if members.count < 2 { throw vmsNode.error("\(kind.rawValue) needs at least two VMs") }
            case .vmSpread:
                policy = try k["policy"].map { (n) throws(MigPlanError) in try enumValue(n, Rule.Policy.self) } ?? .must
                if policy.isNegative, let p = k["policy"] { throw p.error("vm-spread takes policy must or should") }
                if let g = k["hostGroup"] { throw g.error("vm-spread rules do not take a hostGroup") }
                let m = try required(k, "minFaultDomains", node)
                let n = try m.double(min: 2)
                guard n == n.rounded(), n <= Double(members.count) else {
                    throw m.error("expected a whole number from 2 to the rule's \(members.count) VMs, found \(n)")
                }
                minDomains = Int(n)
            }
            rules.append(Rule(name: name, kind: kind, vms: members, hostGroup: group, policy: policy, minFaultDomains: minDomains))
        }

        return Inventory(version: version, cluster: cluster, hosts: hosts, vms: vms, rules: rules, products: products, source: file)
    }

    // MARK: - Helpers

    static func required(_ keys: [String: InputNode], _ key: String, _ parent: InputNode) throws(MigPlanError) -> InputNode {
        guard let node = keys[key], !node.isNull else { throw parent.error("missing '\(key)'") }
        return node
    }

    /// The largest size or rate migplan accepts (MiB, MHz, MiB/s, ms): far beyond any machine.
    static let largest = 1e12

    static func positive(_ node: InputNode) throws(MigPlanError) -> Double {
        let x = try node.double(min: 0)
        guard x > 0 else { throw node.error("expected a number above 0, found \(x)") }
        guard x <= largest else { throw node.error("expected a number up to \(Int64(largest)), found \(x)") }
        return x
    }

    static func nonNegative(_ node: InputNode) throws(MigPlanError) -> Double {
        let x = try node.double(min: 0)
        guard x <= largest else { throw node.error("expected a number from 0 to \(Int64(largest)), found \(x)") }
        return x
    }

    static func percent(_ node: InputNode) throws(MigPlanError) -> Double {
        let x = try node.double(min: 0)
        guard x < 100 else { throw node.error("expected a percentage from 0 to 99, found \(x)") }
        return x
    }

    static func enumValue<E: RawRepresentable & CaseIterable>(_ node: InputNode, _ type: E.Type) throws(MigPlanError) -> E where E.RawValue == String {
        let text = try node.string()
        guard let value = E(rawValue: text) else {
            throw node.error("unknown value '\(text)'; expected one of " + E.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return value
    }

    static func unknown(_ node: InputNode, _ what: String, _ name: String, _ known: some Collection<String>) -> MigPlanError {
        let close = MigPlanError.closeNames(name, among: known)
        return node.error("unknown \(what) '\(name)'" + MigPlanError.didYouMean(close))
    }

    static func isMAC(_ s: String) -> Bool {
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        return parts.count == 6 && parts.allSatisfy { $0.count == 2 && $0.allSatisfy(\.isHexDigit) }
    }

    /// A CPU given as a model name, a descriptor mapping, or a file: `{dump: …}`,
    /// `{libvirt: …}`, `{cpuinfo: …}` (relative to the inventory).
    static func readCPU(_ node: InputNode, name: String, db: CPUDB, base: String) throws(MigPlanError) -> CPU {
        if node.isMap() {
            let keys = try node.map()
            for kind in ["dump", "libvirt", "cpuinfo"] {
                guard let pathNode = keys[kind] else { continue }
                if keys.count != 1 { throw node.error("'\(kind)' stands alone: the file says everything about the CPU") }
                let path = try pathNode.string()
                let full = path.hasPrefix("/") ? path : URL(fileURLWithPath: base).appending(path: path).path
                let text: String
                do { text = try String(contentsOfFile: full, encoding: .utf8) }
                catch { throw pathNode.error("cannot read \(full): \((error as NSError).localizedDescription)") }
                do {
                    switch kind {
                    case "dump": return try db.decode(dump: try CPUIDDump.parse(text, file: full)).hostCPU
                    case "libvirt": return try db.cpu(fromLibvirtXML: text, file: full)
                    default: return try db.cpu(fromCPUInfo: text, file: full)
                    }
                } catch {
                    throw pathNode.error("\(error.description)")
                }
            }
        }
        return try db.cpu(fromDescriptor: node, name: name)
    }
}
