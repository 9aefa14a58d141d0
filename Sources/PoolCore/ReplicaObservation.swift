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
    /// Whose pg_stat_replication the row is from: nil for the writer's, else the standby's
    /// (cascade discovery; its lag is then measured against the writer's position, and nil
    /// means unknown).
    public var upstream: SocketEndpoint?

    public init(name: String, address: IPAddress?, state: String, syncState: String,
                replayLagBytes: Int64? = nil, replayLagSeconds: Double? = nil, upstream: SocketEndpoint? = nil) {
        self.upstream = upstream
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

extension ReplicaProbe {
    /// The seconds since a standby last replayed a transaction, when it answered as one.
    public var replayDelay: Double? {
        if case .standby(let delay) = self { return delay }
        return nil
    }
}

/// What a standby says of its own WAL stream over its probe connection (cascade discovery).
public struct StandbyStream: Hashable, Sendable {
    /// pg_stat_wal_receiver.status (streaming, waiting, ...); nil when no WAL receiver runs.
    public var receiverStatus: String?
    /// The timeline its WAL receiver streams.
    public var timeline: Int?
    /// The writer's current WAL position minus the standby's own replay position; nil when
    /// either is unknown.
    public var lagBytes: Int64?

    public init(receiverStatus: String?, timeline: Int? = nil, lagBytes: Int64? = nil) {
        self.receiverStatus = receiverStatus
        self.timeline = timeline
        self.lagBytes = lagBytes
    }
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
