/// One row of the writer's pg_stat_replication, typed.
public struct WalSender: Hashable, Sendable {
    public var pid: Int32
    public var applicationName: String
    /// The standby's address as the primary sees it (nil for Unix-socket connections).
    public var clientAddress: String?
    /// startup, catchup, streaming, backup, stopping.
    public var state: String
    /// async, potential, sync, quorum.
    public var syncState: String
    /// Bytes between the writer's current WAL position and the standby's replay position;
    /// nil when the standby has not reported a replay position (base backups, pg_receivewal).
    public var replayLagBytes: Int64?
    /// replay_lag in seconds; nil when idle and caught up (PostgreSQL reports NULL then).
    public var replayLagSeconds: Double?

    public init(pid: Int32, applicationName: String, clientAddress: String?, state: String,
                syncState: String, replayLagBytes: Int64?, replayLagSeconds: Double? = nil) {
        self.replayLagSeconds = replayLagSeconds
        self.pid = pid
        self.applicationName = applicationName
        self.clientAddress = clientAddress
        self.state = state
        self.syncState = syncState
        self.replayLagBytes = replayLagBytes
    }
}

/// What the writer reports about itself and its WAL senders.
public struct WriterReport: Hashable, Sendable {
    /// True when the server behind the writer conninfo is itself a standby (not a writer).
    public var inRecovery: Bool
    /// The address the connection reached (inet_server_addr()), nil over a Unix socket.
    public var serverAddress: String?
    public var walSenders: [WalSender]
}

/// What a replica says about itself.
public struct ReplicaStatus: Hashable, Sendable {
    public var inRecovery: Bool
    /// Seconds since the last replayed transaction's commit (pg_last_xact_replay_timestamp()).
    public var replayDelaySeconds: Double?
}

extension PostgresConnection {
    /// The query the writer answers each poll. Byte lag is NULL on a standby, where
    /// pg_current_wal_lsn() would raise an error.
    static let writerReportSQL = """
        SELECT pg_is_in_recovery() AS in_recovery, r.pid, r.application_name, host(r.client_addr) AS client_addr,
               r.state, r.sync_state,
               CASE WHEN pg_is_in_recovery() THEN NULL
                    ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), r.replay_lsn)::bigint END AS replay_lag_bytes,
               extract(epoch FROM r.replay_lag)::float8 AS replay_lag_seconds,
               host(inet_server_addr()) AS server_addr
        FROM (SELECT 1) AS one LEFT JOIN pg_stat_replication AS r ON true
        """

    /// Reads pg_is_in_recovery() and pg_stat_replication in one round trip.
    public func writerReport() throws(PostgresError) -> WriterReport {
        let result = try query(PostgresConnection.writerReportSQL)
        guard let first = result.rows.first, let recovery = first[0] else {
            throw PostgresError(code: .unexpectedResult, message: "writer report returned no row")
        }
        var senders: [WalSender] = []
        for row in result.rows {
            // The LEFT JOIN yields one all-NULL sender row when there are no WAL senders.
            guard let pidText = row[1], let pid = Int32(pidText) else { continue }
            senders.append(WalSender(
                pid: pid,
                applicationName: row[2] ?? "",
                clientAddress: row[3],
                state: row[4] ?? "",
                syncState: row[5] ?? "",
                replayLagBytes: row[6].flatMap { Int64($0) },
                replayLagSeconds: row[7].flatMap { Double($0) }))
        }
        return WriterReport(inRecovery: recovery == "t", serverAddress: first[8], walSenders: senders)
    }

    static let replicaStatusSQL = """
        SELECT pg_is_in_recovery(), extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8
        """

    /// A replica's own view: pg_is_in_recovery() and how long ago it last replayed a transaction.
    public func replicaStatus() throws(PostgresError) -> ReplicaStatus {
        let result = try query(PostgresConnection.replicaStatusSQL)
        guard let row = result.rows.first, let recovery = row[0] else {
            throw PostgresError(code: .unexpectedResult, message: "replica status returned no row")
        }
        return ReplicaStatus(inRecovery: recovery == "t", replayDelaySeconds: row[1].flatMap { Double($0) })
    }
}
