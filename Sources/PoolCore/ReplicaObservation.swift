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

    public init(name: String, address: IPAddress?, state: String, syncState: String, replayLagBytes: Int64? = nil) {
        self.name = name
        self.address = address
        self.state = state
        self.syncState = syncState
        self.replayLagBytes = replayLagBytes
    }
}
