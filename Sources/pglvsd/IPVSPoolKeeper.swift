import IPVS
import LVSModel
import Logging
import PoolCore

/// Brings each virtual service's entries in the IPVS table to the pool its tracker decided,
/// with the fewest operations (`PoolReconciliation`), and tells why each was needed: a change a
/// transition already announced, a new decision, or drift — a change needed while the decision
/// stood still, so someone edited the table outside pglvsd — which it repairs and warns about.
final class IPVSPoolKeeper {
    /// Why one operation was needed.
    enum Cause: Hashable, Sendable {
        /// A transition of this round (a server joining, leaving, reweighted) explains it.
        case transition
        /// The decided pool changed without a transition naming this server (a service setting).
        case decision
        /// The decided pool is as it was last round: the table was changed outside pglvsd.
        case drift
    }

    let table: any IPVSTable
    /// Each service's decided members at its last decision.
    private var lastMembers: [String: [PoolMember]] = [:]
    /// Each service's operations at its last decision (all of them, applied or not).
    private(set) var lastOperations: [String: [PoolOperation]] = [:]
    /// Operations the table accepted since start.
    private(set) var operationsApplied = 0

    init(table: any IPVSTable) {
        self.table = table
    }

    static func cause(of operation: PoolOperation, explained: Set<SocketEndpoint>, decisionStoodStill: Bool) -> Cause {
        if let endpoint = operation.realServer, explained.contains(endpoint) { return .transition }
        return decisionStoodStill ? .drift : .decision
    }

    /// Applies what turns `current` (the service in the table, nil if absent, and its real
    /// servers) into the decided pool, in order; the first operation the table refuses stops
    /// the service's changes for this round and is thrown. Lines past `burst`'s limit are counted.
    func keep(_ name: String, _ service: VirtualService, decided result: CycleResult,
              current: VirtualService?, destinations: [Destination], logger: Logger,
              burst: inout LogBurstLimit) throws(IPVSError) {
        let stoodStill = lastMembers[name] == result.members
        lastMembers[name] = result.members
        let explained = Set(result.transitions.map(\.endpoint))
        let operations = PoolReconciliation.plan(service: service, members: result.members,
                                                 current: current, currentDestinations: destinations)
        lastOperations[name] = operations
        for operation in operations {
            try apply(operation, to: service.key)
            operationsApplied += 1
            // One info line per pool change: a change a transition already announced is
            // debug; one needed while the decision stood still is drift, repaired.
            let metadata = IPVSPoolKeeper.metadata(of: operation)
            switch IPVSPoolKeeper.cause(of: operation, explained: explained, decisionStoodStill: stoodStill) {
            case .transition:
                logger.debug("kernel: \(operation)", metadata: metadata)
            case .drift:
                if burst.admits("drift repairs", "\(operation)") {
                    logger.warning("drift repaired (the kernel table was changed outside pglvsd): \(operation)", metadata: metadata)
                }
            case .decision:
                if burst.admits("kernel changes", "\(operation)") {
                    logger.info("kernel: \(operation)", metadata: metadata)
                }
            }
        }
    }

    /// A service no longer configured: its last decision is forgotten (its entries stay).
    func forget(_ name: String) {
        lastMembers[name] = nil
        lastOperations[name] = nil
    }

    private func apply(_ operation: PoolOperation, to key: VirtualServiceKey) throws(IPVSError) {
        switch operation {
        case .addService(let service): try table.addService(service)
        case .editService(let service): try table.editService(service)
        case .addRealServer(let destination, _): try table.addDestination(destination, to: key)
        case .editRealServer(let destination, _, _): try table.editDestination(destination, of: key)
        case .removeRealServer(let endpoint): try table.deleteDestination(endpoint, from: key)
        }
    }

    private static func metadata(of operation: PoolOperation) -> Logger.Metadata {
        switch operation {
        case .addRealServer(let destination, let name), .editRealServer(let destination, let name, _):
            return ["real_server": "\(destination.endpoint)", "real_server.name": "\(name)", "weight": "\(destination.weight)"]
        case .removeRealServer(let endpoint):
            return ["real_server": "\(endpoint)"]
        case .addService, .editService:
            return [:]
        }
    }
}
