import LVSModel

/// How the read pool of one virtual service is chosen and weighted: the seed's lvsdr
/// parameters, plus the health rules that Patroni, pgpool and keepalived users expect.
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
    /// pg_stat_replication.state values accepted in the pool (streaming; catchup when
    /// streaming is not required).
    public var acceptedStates: Set<String>
    /// Most bytes of WAL a replica may be behind the writer (nil: no limit).
    public var maxLagBytes: Int64?
    /// Most seconds of replay lag (pg_stat_replication.replay_lag; nil: no limit).
    public var maxLagSeconds: Double?
    /// Consecutive good observations before a server (re)joins.
    public var rise: Int
    /// Consecutive failed observations before a server leaves.
    public var fall: Int
    /// How a server leaves: quiesced (weight 0, deleted once drained) or deleted at once.
    public var removal: RemovalMode
    /// Longest a quiesced server waits for its connections to end before it is deleted.
    public var drainTimeoutSeconds: Double
    /// When no replica is eligible, put the writer in the pool until one is.
    public var fallbackToPrimary: Bool
    /// A pool with fewer weighted members than this is warned about every cycle.
    public var minPool: Int
    /// Scale weights down as byte lag grows towards max_lag_bytes (pgpool's prefer_lower_delay).
    public var lagWeighting: Bool
    /// How long a member missing from the writer's pg_stat_replication keeps its place while its
    /// own probe says it is a streaming-capable standby (replicas re-attaching after a promotion).
    public var reattachGraceSeconds: Double

    public static let seedSyncStates: Set<String> = ["sync", "potential", "async", "quorum"]
    public static let defaultMaxLagBytes: Int64 = 16 * 1024 * 1024

    public init(defaultWeight: UInt32 = 1, weights: [String: UInt32] = [:], realServerPort: UInt16 = 5432,
                forwarding: ForwardingMethod = .directRoute,
                acceptedSyncStates: Set<String> = PoolPolicy.seedSyncStates,
                acceptedStates: Set<String> = ["streaming"],
                maxLagBytes: Int64? = PoolPolicy.defaultMaxLagBytes, maxLagSeconds: Double? = nil,
                rise: Int = 2, fall: Int = 2, removal: RemovalMode = .quiesce, drainTimeoutSeconds: Double = 60,
                fallbackToPrimary: Bool = false, minPool: Int = 1, lagWeighting: Bool = false,
                reattachGraceSeconds: Double = 30) {
        self.defaultWeight = defaultWeight
        self.weights = weights
        self.realServerPort = realServerPort
        self.forwarding = forwarding
        self.acceptedSyncStates = acceptedSyncStates
        self.acceptedStates = acceptedStates
        self.maxLagBytes = maxLagBytes
        self.maxLagSeconds = maxLagSeconds
        self.rise = rise
        self.fall = fall
        self.removal = removal
        self.drainTimeoutSeconds = drainTimeoutSeconds
        self.fallbackToPrimary = fallbackToPrimary
        self.minPool = minPool
        self.lagWeighting = lagWeighting
        self.reattachGraceSeconds = reattachGraceSeconds
    }

    /// The weight a server gets: listed under one of its names or its address, else the
    /// default. Listed under several keys with different weights, the lowest holds: each entry
    /// is an operator's word on the same server, the lower one is the one meant to hold it back
    /// (a whitelist's 0), and no extra row or name can raise a server above what it is listed at.
    public func weight(of server: ServerIdentity) -> (weight: UInt32, source: WeightSource) {
        guard let listed = server.keys.compactMap({ weights[$0] }).min() else { return (defaultWeight, .defaultWeight) }
        return (listed, .listed)
    }

    /// The listed weight scaled by lag when lag weighting is on; never below 1 for a weighted
    /// member, so an eligible replica is never silently quiesced.
    public func effectiveWeight(_ weight: UInt32, lagBytes: Int64?) -> UInt32 {
        guard lagWeighting, weight > 0, let maxLagBytes, maxLagBytes > 0, let lag = lagBytes, lag > 0 else { return weight }
        let share = max(0, 1 - Double(lag) / Double(maxLagBytes))
        return max(1, UInt32((Double(weight) * share).rounded()))
    }
}

/// How a server leaves the pool.
public enum RemovalMode: String, Hashable, Sendable, CaseIterable {
    /// Weight 0 first (no new connections), deleted once its connections end or drain_timeout passes.
    case quiesce
    /// Deleted at once.
    case delete
}

/// Where a member's weight came from.
public enum WeightSource: String, Hashable, Sendable {
    case listed = "weight_of_realservers"
    case defaultWeight = "default_weight"
}
