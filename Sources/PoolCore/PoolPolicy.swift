import LVSModel

/// How the read pool of one virtual service is chosen and weighted (the seed's lvsdr
/// parameters, typed).
public struct PoolPolicy: Hashable, Sendable {
    /// Weight of a replica not named in `weights` (the seed's default_weight). With 0 and a
    /// list of weights, the list is a whitelist: other replicas stay present at weight 0.
    public var defaultWeight: UInt32
    /// Weights by replica name (application_name) or address text (the seed's weight_of_realservers).
    public var weights: [String: UInt32]
    /// The port real servers listen on; for direct routing it must be the virtual port.
    public var realServerPort: UInt16
    public var forwarding: ForwardingMethod
    /// sync_state values accepted in the pool (the seed: sync, potential, async).
    public var acceptedSyncStates: Set<String>
    /// pg_stat_replication.state values accepted in the pool.
    public var acceptedStates: Set<String>

    public static let seedSyncStates: Set<String> = ["sync", "potential", "async", "quorum"]

    public init(defaultWeight: UInt32 = 1, weights: [String: UInt32] = [:], realServerPort: UInt16,
                forwarding: ForwardingMethod = .directRoute,
                acceptedSyncStates: Set<String> = PoolPolicy.seedSyncStates,
                acceptedStates: Set<String> = ["streaming"]) {
        self.defaultWeight = defaultWeight
        self.weights = weights
        self.realServerPort = realServerPort
        self.forwarding = forwarding
        self.acceptedSyncStates = acceptedSyncStates
        self.acceptedStates = acceptedStates
    }

    /// The weight a replica gets: listed by name, else listed by address, else the default.
    public func weight(name: String, address: IPAddress) -> (weight: UInt32, source: WeightSource) {
        if let listed = weights[name] { return (listed, .listed) }
        if let listed = weights[address.description] { return (listed, .listed) }
        return (defaultWeight, .defaultWeight)
    }
}

/// Where a member's weight came from.
public enum WeightSource: String, Hashable, Sendable {
    case listed = "weight_of_realservers"
    case defaultWeight = "default_weight"
}
