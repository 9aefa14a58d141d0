import IPVS
import LVSModel
import Logging
import PoolCore
import RoundCore

/// Applies each service's decided kernel steps (`ServiceDecision`) to the IPVS table in order,
/// logging each as the table takes it; the first operation the table refuses stops the
/// service's changes for this round and is thrown. Which steps, and why, is the decider's.
final class IPVSPoolKeeper {
    let table: any IPVSTable
    /// Each service's operations at its last decision (all of them, applied or not).
    private(set) var lastOperations: [String: [PoolOperation]] = [:]
    /// Operations the table accepted since start.
    private(set) var operationsApplied = 0

    init(table: any IPVSTable) {
        self.table = table
    }

    /// Lines past `burst`'s limit are counted, not logged.
    func keep(_ decision: ServiceDecision, logger: Logger, burst: inout LogBurstLimit) throws(IPVSError) {
        lastOperations[decision.name] = decision.steps.map(\.operation)
        for step in decision.steps {
            try table.apply(step.operation, to: decision.key)
            operationsApplied += 1
            if let event = step.event(burst: &burst) { logger.log(event) }
        }
    }

    /// A service no longer configured: its last operations are forgotten (its entries stay).
    func forget(_ name: String) {
        lastOperations[name] = nil
    }
}

extension IPVSTable {
    /// One operation of a decision.
    func apply(_ operation: PoolOperation, to key: VirtualServiceKey) throws(IPVSError) {
        switch operation {
        case .addService(let service): try addService(service)
        case .editService(let service): try editService(service)
        case .addRealServer(let destination, _): try addDestination(destination, to: key)
        case .editRealServer(let destination, _, _): try editDestination(destination, of: key)
        case .removeRealServer(let endpoint): try deleteDestination(endpoint, from: key)
        }
    }
}

extension Logger {
    /// A decider's line, with its metadata.
    func log(_ event: RoundEvent) {
        let level: Logger.Level
        switch event.level {
        case .debug: level = .debug
        case .info: level = .info
        case .notice: level = .notice
        case .warning: level = .warning
        case .error: level = .error
        }
        log(level: level, "\(event.message)", metadata: event.metadata.isEmpty ? nil : event.metadata.mapValues { .string($0) })
    }

    func log(_ events: [RoundEvent]) {
        for event in events { log(event) }
    }
}
