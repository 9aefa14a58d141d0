import LVSModel

/// What the writer's pg_stat_replication says about one standby, with the address the
/// daemon resolved for it. The core never resolves names itself.
public struct ReplicaObservation: Hashable, Sendable {
    /// application_name (or the client address when rows are mapped by address).
    public var name: String
    /// The address real-server traffic goes to; nil when the name did not resolve.
    public var address: IPAddress?
    /// startup, catchup, streaming, backup, stopping.
    public var state: String
    /// async, potential, sync, quorum.
    public var syncState: String
    /// Writer's current LSN minus the standby's replay LSN; nil when not reported.
    public var replayLagBytes: Int64?
    /// pg_stat_replication.replay_lag in seconds; nil (idle and caught up) means no lag.
    public var replayLagSeconds: Double?

    public init(name: String, address: IPAddress?, state: String, syncState: String,
                replayLagBytes: Int64? = nil, replayLagSeconds: Double? = nil) {
        self.name = name
        self.address = address
        self.state = state
        self.syncState = syncState
        self.replayLagBytes = replayLagBytes
        self.replayLagSeconds = replayLagSeconds
    }
}

/// What a replica says about itself over its own connection.
public enum ReplicaProbe: Hashable, Sendable {
    /// In recovery (a hot standby); the seconds since it last replayed a transaction, if known.
    case standby(replayDelaySeconds: Double?)
    /// Not in recovery: a primary, never a read real server.
    case notInRecovery
    /// No answer (timeout, network): counts as one failed observation.
    case unreachable(String)
    /// Connection refused or reset: the postmaster is gone, the server leaves at once.
    case gone(String)
    /// Its connection is still being set up (a new backend can take a second on a busy host):
    /// nothing learned yet, so the writer's view decides, or for a static server nothing changes.
    case connecting
}

/// What the writer reported this cycle.
public enum WriterView: Hashable, Sendable {
    /// The writer answered with its WAL senders.
    case reachable([ReplicaObservation])
    /// No writer answered (unreachable, or the writer conninfo reached a standby): fail-static.
    case unavailable(String)
}

/// A candidate named in the configuration (the seed's method 2), checked by its own probe.
public struct StaticCandidate: Hashable, Sendable {
    public var name: String
    public var address: IPAddress?

    public init(name: String, address: IPAddress?) {
        self.name = name
        self.address = address
    }
}

/// An operator's maintenance mark on a server (`pglvsd drain`).
public enum MaintenanceMode: String, Hashable, Sendable, Codable {
    /// Weight 0: no new connections, existing ones continue.
    case drain
    /// Out of the pool entirely.
    case exclude
}
