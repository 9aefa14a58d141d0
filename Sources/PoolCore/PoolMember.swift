import LVSModel

/// A server the kernel should hold, with the weight it should have and why.
public struct PoolMember: Hashable, Sendable, CustomStringConvertible {
    public enum Role: Hashable, Sendable, CustomStringConvertible {
        /// An eligible replica taking new connections at its weight.
        case serving
        /// Leaving: weight 0 until its connections end or drain_timeout passes.
        case draining(ExclusionReason)
        /// Weight 0 by an operator's `pglvsd drain`.
        case maintenance
        /// The writer itself, because no replica is eligible (fallback_to_primary).
        case fallback

        public var description: String {
            switch self {
            case .serving: return "serving"
            case .draining(let reason): return "draining: \(reason)"
            case .maintenance: return "drained for maintenance"
            case .fallback: return "fallback to the primary"
            }
        }
    }

    public var name: String
    public var endpoint: SocketEndpoint
    public var weight: UInt32
    public var weightSource: WeightSource
    public var forwarding: ForwardingMethod
    public var role: Role
    public var lagBytes: Int64?
    /// When the server last changed role (joined, started draining), on the caller's clock.
    public var since: Double?

    public init(name: String, endpoint: SocketEndpoint, weight: UInt32, weightSource: WeightSource,
                forwarding: ForwardingMethod, role: Role = .serving, lagBytes: Int64? = nil, since: Double? = nil) {
        self.since = since
        self.name = name
        self.endpoint = endpoint
        self.weight = weight
        self.weightSource = weightSource
        self.forwarding = forwarding
        self.role = role
        self.lagBytes = lagBytes
    }

    public var description: String { "\(name) \(endpoint) weight \(weight) (\(role == .serving ? weightSource.rawValue : role.description))" }
}

/// An observed server left out, with the reason.
public struct Exclusion: Hashable, Sendable {
    public var name: String
    public var reason: ExclusionReason

    public init(name: String, reason: ExclusionReason) {
        self.name = name
        self.reason = reason
    }
}
