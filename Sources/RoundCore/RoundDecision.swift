import LVSModel
import PoolCore

/// What the decider made of one round: the lines to log for the round as a whole, and each
/// decided service's pool, lines and kernel operations, in the configuration's order.
public struct RoundDecision: Sendable {
    /// The writer's health and the maintenance marks' (said when they change).
    public var events: [RoundEvent] = []
    /// Nothing when the kernel's table could not be read; a service whose real servers could
    /// not be read is missing.
    public var services: [ServiceDecision] = []

    public subscript(service name: String) -> ServiceDecision? { services.first { $0.name == name } }
}

/// One service's decision.
public struct ServiceDecision: Sendable {
    public var name: String
    public var key: VirtualServiceKey
    public var result: CycleResult
    /// Transitions, pool warnings raised or cleared, exclusions that changed.
    public var events: [RoundEvent]
    /// What brings the kernel's entries to `result.members`, in order.
    public var steps: [KernelStep]
    /// The service's per-round line limit as the events left it: the steps' lines count
    /// against it as they are applied, and its summary closes the service's lines.
    public var burst: LogBurstLimit
}

/// One kernel operation and why it was needed.
public struct KernelStep: Hashable, Sendable {
    public enum Cause: Hashable, Sendable {
        /// A transition of this round (a server joining, leaving, reweighted) explains it.
        case transition
        /// The decided pool changed without a transition naming this server (a service setting).
        case decision
        /// The decided pool is as it was last round: the table was changed outside pglvsd.
        case drift
    }

    public var operation: PoolOperation
    public var cause: Cause

    public init(_ operation: PoolOperation, cause: Cause) {
        self.operation = operation
        self.cause = cause
    }

    public static func cause(of operation: PoolOperation, explained: Set<SocketEndpoint>, decisionStoodStill: Bool) -> Cause {
        if let endpoint = operation.realServer, explained.contains(endpoint) { return .transition }
        return decisionStoodStill ? .drift : .decision
    }

    /// The line for the step once the table took it: a change a transition already announced
    /// is debug; one needed while the decision stood still is drift, repaired; lines past
    /// `burst`'s limit are counted instead.
    public func event(burst: inout LogBurstLimit) -> RoundEvent? {
        let metadata = KernelStep.metadata(of: operation)
        switch cause {
        case .transition:
            return RoundEvent(.debug, "kernel: \(operation)", metadata: metadata)
        case .drift:
            guard burst.admits("drift repairs", "\(operation)") else { return nil }
            return RoundEvent(.warning, "drift repaired (the kernel table was changed outside pglvsd): \(operation)", metadata: metadata)
        case .decision:
            guard burst.admits("kernel changes", "\(operation)") else { return nil }
            return RoundEvent(.info, "kernel: \(operation)", metadata: metadata)
        }
    }

    private static func metadata(of operation: PoolOperation) -> [String: String] {
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
