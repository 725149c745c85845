import Foundation
import MigPlanCPU

extension Inventory {
    /// The inventory in the spec's JSON form, which `Inventory.parse` reads back. CPUs defined
    /// by an unchanged cpudb model are written by name, others as descriptors.
    public func jsonObject(db: CPUDB) -> [String: Any] {
        func cpu(_ c: CPU) -> Any {
            if let m = c.model, m.features == c.features, m.vendor == c.vendor { return m.qualifiedName }
            var d: [String: Any] = ["features": db.names(c.features)]
            if let v = c.vendor { d["vendor"] = v }
            if let s = c.signature { d["family"] = s.family; d["model"] = s.model; d["stepping"] = s.stepping }
            return d
        }
        let m = cluster.migration, b = cluster.balance
        var doc: [String: Any] = [
            "version": 1,
            "cluster": [
                "name": cluster.name,
                "migration": ["bandwidthMiBps": m.bandwidthMiBps, "maxConcurrentPerHost": m.maxConcurrentPerHost,
                              "maxDowntimeMs": m.maxDowntimeMs, "maxPrecopyRounds": m.maxPrecopyRounds, "resumeMs": m.resumeMs],
                "balance": ["threshold": b.threshold, "maxMovesPerHost": b.maxMovesPerHost, "maxMoves": b.maxMoves,
                            "cpuHeadroomPct": b.cpuHeadroomPct, "memoryHeadroomPct": b.memoryHeadroomPct,
                            "memoryOvercommit": b.memoryOvercommit],
            ] as [String: Any],
        ]
        doc["hosts"] = hosts.map { h -> [String: Any] in
            var d: [String: Any] = ["name": h.name, "cpu": cpu(h.cpu), "sockets": h.sockets, "coresPerSocket": h.coresPerSocket,
                                    "mhzPerCore": h.mhzPerCore, "memoryMiB": h.memoryMiB, "datastores": h.datastores,
                                    "networks": h.networks, "groups": h.groups, "state": h.state.rawValue]
            if h.presents.features != h.cpu.features { d["presents"] = cpu(h.presents) }
            if let f = h.faultDomain { d["faultDomain"] = f }
            var hv: [String: Any] = ["kind": h.hypervisor.rawValue]
            if let v = h.hypervisorVersion { hv["version"] = v }
            d["hypervisor"] = hv
            return d
        }
        doc["vms"] = vms.map { v -> [String: Any] in
            var d: [String: Any] = ["name": v.name, "host": hosts[v.host].name, "vcpus": v.vcpus, "cpuDemandMHz": v.cpuDemandMHz,
                                    "cpuReservationMHz": v.cpuReservationMHz, "memoryMiB": v.memoryMiB,
                                    "memoryActiveMiB": v.memoryActiveMiB, "dirtyRateMiBps": v.dirtyRateMiBps,
                                    "datastores": v.datastores, "networks": v.networks, "passthroughDevices": v.passthroughDevices,
                                    "localDisks": v.localDisks, "products": v.products, "movable": v.movable]
            if let c = v.cpu { d["cpu"] = cpu(c) }
            if let mac = v.mac { d["mac"] = mac }
            if let t = v.maxDowntimeMs { d["maxDowntimeMs"] = t }
            return d
        }
        doc["rules"] = rules.map { r -> [String: Any] in
            var d: [String: Any] = ["name": r.name, "kind": r.kind.rawValue, "vms": r.vms.map { vms[$0].name }, "policy": r.policy.rawValue]
            if let m = r.minFaultDomains { d["minFaultDomains"] = m }
            if let g = r.hostGroup { d["hostGroup"] = g }
            return d
        }
        doc["products"] = products.map { p -> [String: Any] in
            var d: [String: Any] = ["name": p.name, "metric": p.metric.rawValue, "coreFactor": p.coreFactor,
                                    "minCoresPerSocket": p.minCoresPerSocket, "minCoresPerHost": p.minCoresPerHost,
                                    "coresPerSocketLicense": p.coresPerSocketLicense, "minPerVm": p.minPerVm,
                                    "unitPrice": p.unitPrice, "scope": p.scope.rawValue, "maxUnits": p.maxUnits]
            if let g = p.licensedGroup { d["licensedGroup"] = g } else if let l = p.licensedHosts { d["licensedHosts"] = l.map { hosts[$0].name } }
            return d
        }
        return doc
    }

    public func jsonData(db: CPUDB) throws -> Data {
        try JSONSerialization.data(withJSONObject: jsonObject(db: db), options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }
}
