import MigPlanOptimizer

extension ROADEFInstance {
    /// The instance in the optimizer's general terms: machines are hosts (location = fault domain,
    /// neighborhood = neighbourhood), services are groups on distinct hosts with their spreadMin and
    /// dependencies, processes are items, and the three move weights carry over.
    public func reassignmentModel(initial: [Int]) -> ReassignmentModel {
        ReassignmentModel(
            resources: resources.enumerated().map { .init(name: "r\($0.offset)", transient: $0.element.transient,
                                                          loadCostWeight: $0.element.weightLoadCost) },
            hosts: machines.enumerated().map { .init(name: "m\($0.offset)", capacity: $0.element.capacity,
                                                     safetyCapacity: $0.element.safetyCapacity,
                                                     faultDomain: $0.element.location, neighbourhood: $0.element.neighborhood) },
            groups: services.enumerated().map { .init(name: "s\($0.offset)", distinctHosts: true,
                                                      minFaultDomains: $0.element.spreadMin, dependsOn: $0.element.dependsOn) },
            items: processes.enumerated().map { .init(name: "p\($0.offset)", group: $0.element.service,
                                                      demand: $0.element.requirement, moveCost: $0.element.moveCost) },
            balances: balances.map { .init(resource1: $0.r1, resource2: $0.r2, target: $0.target, weight: $0.weight) },
            hostMoveCost: machineMoveCost, weightItemMove: weightProcessMove, weightGroupMove: weightServiceMove,
            weightHostMove: weightMachineMove, initial: initial)
    }
}
