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

    public init(pid: Int32, applicationName: String, clientAddress: String?, state: String,
                syncState: String, replayLagBytes: Int64?) {
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
    public var walSenders: [WalSender]
}

extension PostgresConnection {
    /// The query the writer answers each poll. Byte lag is NULL on a standby, where
    /// pg_current_wal_lsn() would raise an error.
    static let writerReportSQL = """
        SELECT pg_is_in_recovery() AS in_recovery, r.pid, r.application_name, host(r.client_addr) AS client_addr,
               r.state, r.sync_state,
               CASE WHEN pg_is_in_recovery() THEN NULL
                    ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), r.replay_lsn)::bigint END AS replay_lag_bytes
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
                replayLagBytes: row[6].flatMap { Int64($0) }))
        }
        return WriterReport(inRecovery: recovery == "t", walSenders: senders)
    }
}
