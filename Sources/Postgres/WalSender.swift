import Dispatch

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
    public var sentLSN: String?
    public var writeLSN: String?
    public var flushLSN: String?
    /// nil for rows that are not replicas (pg_basebackup, pg_receivewal before it reports).
    public var replayLSN: String?
    /// Bytes between the writer's current WAL position and the standby's replay position.
    public var replayLagBytes: Int64?
    /// replay_lag in seconds; nil when idle and caught up (PostgreSQL reports NULL then).
    public var replayLagSeconds: Double?
    /// When the standby last replied (PostgreSQL 12+), as PostgreSQL prints it.
    public var replyTime: String?

    public init(pid: Int32, applicationName: String, clientAddress: String?, state: String, syncState: String,
                sentLSN: String? = nil, writeLSN: String? = nil, flushLSN: String? = nil, replayLSN: String? = nil,
                replayLagBytes: Int64?, replayLagSeconds: Double? = nil, replyTime: String? = nil) {
        self.pid = pid
        self.applicationName = applicationName
        self.clientAddress = clientAddress
        self.state = state
        self.syncState = syncState
        self.sentLSN = sentLSN
        self.writeLSN = writeLSN
        self.flushLSN = flushLSN
        self.replayLSN = replayLSN
        self.replayLagBytes = replayLagBytes
        self.replayLagSeconds = replayLagSeconds
        self.replyTime = replyTime
    }

    /// A row that streams WAL to a standby, as opposed to a base backup or pg_receivewal
    /// (state other than streaming/catchup, or no replay position).
    public var isReplica: Bool {
        (state == "streaming" || state == "catchup") && replayLSN != nil
    }

    /// Reads one row by column name, so the same code serves every server version's columns.
    static func parse(_ row: [String: String?]) -> WalSender? {
        func text(_ name: String) -> String? { row[name] ?? nil }
        guard let pidText = text("pid"), let pid = Int32(pidText) else { return nil }
        return WalSender(
            pid: pid,
            applicationName: text("application_name") ?? "",
            clientAddress: text("client_addr"),
            state: text("state") ?? "",
            syncState: text("sync_state") ?? "",
            sentLSN: text("sent_lsn"), writeLSN: text("write_lsn"), flushLSN: text("flush_lsn"),
            replayLSN: text("replay_lsn"),
            replayLagBytes: text("replay_lag_bytes").flatMap { Int64($0) },
            replayLagSeconds: text("replay_lag_seconds").flatMap { Double($0) },
            replyTime: text("reply_time"))
    }
}

/// What the writer reports about itself and its WAL senders.
public struct WriterReport: Hashable, Sendable {
    /// True when the server behind the writer conninfo is itself a standby (not a writer).
    public var inRecovery: Bool
    /// The address the connection reached (inet_server_addr()), nil over a Unix socket.
    public var serverAddress: String?
    /// The writer's timeline.
    public var timeline: Int?
    /// pg_current_wal_lsn(): what cascaded standbys' lag is measured against. Nil on a standby.
    public var currentPosition: WALPosition?
    /// server_version_num, e.g. 150018.
    public var serverVersion: Int
    public var walSenders: [WalSender]
}

/// What a replica says about itself.
public struct ReplicaStatus: Hashable, Sendable {
    public var inRecovery: Bool
    /// Seconds since the last replayed transaction's commit (pg_last_xact_replay_timestamp()).
    public var replayDelaySeconds: Double?
    /// pg_last_wal_replay_lsn().
    public var replayLSN: String?
    /// Its WAL receiver's state (pg_stat_wal_receiver.status: streaming, waiting, ...); nil
    /// when none runs (its upstream is gone, or it restores from an archive).
    public var receiverStatus: String?
    /// The timeline its WAL receiver streams (pg_stat_wal_receiver.received_tli).
    public var receiverTimeline: Int?
    /// Its own pg_stat_replication: the standbys streaming from it (cascading replication).
    public var downstreams: [WalSender] = []
    /// The server's tcp_keepalives_idle on this (TCP) connection: with the setting at 0,
    /// PostgreSQL reports the socket's effective value, the OS default (7200 on Linux). Nil when
    /// unknown (0, over a Unix socket, or unreadable). Client sessions get the same unless a
    /// role, database or the session itself sets another.
    public var keepalivesIdleSeconds: Int?
    /// tcp_keepalives_interval, likewise.
    public var keepalivesIntervalSeconds: Int?

    /// True when its WAL receiver is streaming.
    public var receiverStreaming: Bool { receiverStatus == "streaming" }
}

extension PostgresConnection {
    /// The writer's query for a server version (server_version_num). Byte lag and timeline are
    /// NULL on a standby, where pg_current_wal_lsn() would raise an error; the timeline is read
    /// from the current WAL file's name, which (unlike the last checkpoint's) is right at once
    /// after a promotion; reply_time exists from 12 on.
    static func writerReportSQL(serverVersion: Int) -> String {
        let replyTime = serverVersion >= 120000 ? "r.reply_time::text" : "NULL::text"
        return """
            SELECT pg_is_in_recovery() AS in_recovery, host(inet_server_addr()) AS server_addr,
                   CASE WHEN pg_is_in_recovery() THEN NULL
                        ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END AS timeline,
                   r.pid, r.application_name, host(r.client_addr) AS client_addr, r.state, r.sync_state,
                   r.sent_lsn::text, r.write_lsn::text, r.flush_lsn::text, r.replay_lsn::text,
                   CASE WHEN pg_is_in_recovery() THEN NULL
                        -- The walsender stores whatever apply position the client reports: one
                        -- ahead of the writer (no honest standby) reads -1, and the cast can
                        -- never fail the whole report.
                        ELSE least(greatest(pg_wal_lsn_diff(pg_current_wal_lsn(), r.replay_lsn), -1),
                                   9223372036854775807)::bigint END AS replay_lag_bytes,
                   extract(epoch FROM r.replay_lag)::float8 AS replay_lag_seconds,
                   \(replyTime) AS reply_time,
                   CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn()::text END AS current_lsn
            FROM (SELECT 1) AS one LEFT JOIN pg_stat_replication AS r ON true
            """
    }

    /// Reads pg_is_in_recovery(), the timeline and pg_stat_replication in one round trip.
    public func writerReport() throws(PostgresError) -> WriterReport {
        let version = serverVersion
        let result = try query(PostgresConnection.writerReportSQL(serverVersion: version))
        return try PostgresConnection.writerReport(from: result, serverVersion: version)
    }

    static func writerReport(from result: QueryResult, serverVersion: Int) throws(PostgresError) -> WriterReport {
        guard !result.rows.isEmpty else {
            throw PostgresError(code: .unexpectedResult, message: "writer report returned no row")
        }
        let first = result.row(0)
        guard let recovery = first["in_recovery"] ?? nil else {
            throw PostgresError(code: .unexpectedResult, message: "writer report without pg_is_in_recovery()")
        }
        // The LEFT JOIN yields one all-NULL sender row when there are no WAL senders.
        let senders = (0..<result.rows.count).compactMap { WalSender.parse(result.row($0)) }
        return WriterReport(inRecovery: recovery == "t", serverAddress: first["server_addr"] ?? nil,
                            timeline: (first["timeline"] ?? nil).flatMap { Int($0) },
                            currentPosition: (first["current_lsn"] ?? nil).flatMap { WALPosition($0) },
                            serverVersion: serverVersion, walSenders: senders)
    }

    /// A replica's own view in one row. With `downstreams`, one row per standby streaming from
    /// this one (a LEFT JOIN: one row with NULL sender columns when none does), its own view
    /// repeated on each, at most `maximumDownstreams`; a standby has no current WAL position,
    /// so the senders' lag is measured by the caller against the writer's.
    static func replicaStatusSQL(downstreams: Bool) -> String {
        let senders = downstreams ? """
            ,
                   r.pid, r.application_name, host(r.client_addr) AS client_addr, r.state, r.sync_state,
                   r.replay_lsn::text AS sender_replay_lsn,
                   extract(epoch FROM r.replay_lag)::float8 AS replay_lag_seconds
            """ : ""
        let join = downstreams ? """

                 LEFT JOIN (SELECT * FROM pg_stat_replication LIMIT \(maximumDownstreams)) AS r ON true
            """ : ""
        return """
            SELECT pg_is_in_recovery() AS in_recovery,
                   extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 AS replay_delay,
                   pg_last_wal_replay_lsn()::text AS replay_lsn,
                   w.status AS receiver_status, w.received_tli AS receiver_tli,
                   current_setting('tcp_keepalives_idle') AS keepalives_idle,
                   current_setting('tcp_keepalives_interval') AS keepalives_interval\(senders)
            FROM (SELECT 1) AS one
                 LEFT JOIN (SELECT status, received_tli FROM pg_stat_wal_receiver LIMIT 1) AS w ON true\(join)
            """
    }

    /// A replica's own view: pg_is_in_recovery(), replay position and delay, WAL receiver state,
    /// and with `downstreams` the standbys streaming from it.
    public func replicaStatus(downstreams: Bool = false) throws(PostgresError) -> ReplicaStatus {
        try PostgresConnection.replicaStatus(from: try query(PostgresConnection.replicaStatusSQL(downstreams: downstreams)))
    }

    static func replicaStatus(from result: QueryResult) throws(PostgresError) -> ReplicaStatus {
        guard !result.rows.isEmpty, let recovery = result.row(0)["in_recovery"] ?? nil else {
            throw PostgresError(code: .unexpectedResult, message: "replica status returned no row")
        }
        let row = result.row(0)
        // The senders' rows carry their replay position as sender_replay_lsn (replay_lsn is
        // the standby's own); at most `maximumDownstreams` of them are read, and
        // a row the probe role may not see whole (no pg_read_all_stats: only its pid) is none.
        let downstreams = (0..<min(result.rows.count, maximumDownstreams)).compactMap { index -> WalSender? in
            var sender = result.row(index)
            guard (sender["state"] ?? nil) != nil else { return nil }
            sender["replay_lsn"] = sender["sender_replay_lsn"] ?? nil
            return WalSender.parse(sender)
        }
        return ReplicaStatus(inRecovery: recovery == "t",
                             replayDelaySeconds: (row["replay_delay"] ?? nil).flatMap { Double($0) },
                             replayLSN: row["replay_lsn"] ?? nil,
                             receiverStatus: row["receiver_status"] ?? nil,
                             receiverTimeline: (row["receiver_tli"] ?? nil).flatMap { Int($0) },
                             downstreams: downstreams,
                             keepalivesIdleSeconds: seconds(row["keepalives_idle"] ?? nil),
                             keepalivesIntervalSeconds: seconds(row["keepalives_interval"] ?? nil))
    }

    /// More standbys than this streaming from one standby is no cascade anyone runs (its
    /// max_wal_senders defaults to 10): whatever answers at a probed address cannot make the
    /// daemon read, resolve and probe without bound.
    public static let maximumDownstreams = 64

    /// A keepalive setting as the server shows it: `7200` (seconds, what PostgreSQL prints for
    /// these), or with a unit (`2h`, `15min`, `30s`). Nil for 0 (unknown: not a TCP socket),
    /// for anything else, and for a value past a year: whatever answers at a probed address
    /// shapes the text.
    static func seconds(_ text: String?) -> Int? {
        guard let text else { return nil }
        let trimmed = text.filter { !$0.isWhitespace }
        let digits = trimmed.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 9, let number = Int(digits) else { return nil }
        let factors: [Substring: Int] = ["": 1, "s": 1, "min": 60, "h": 3600, "d": 86_400]
        guard let factor = factors[trimmed.dropFirst(digits.count)] else { return nil }
        let value = number * factor
        return value > 0 && value <= 365 * 86_400 ? value : nil
    }
}

extension PostgresChannel {
    /// The writer's report (see `PostgresConnection.writerReport()`), without blocking.
    public func writerReport(timeout: DispatchTimeInterval,
                             completion: @escaping @Sendable (Result<WriterReport, PostgresError>) -> Void) {
        run(timeout: timeout, sql: { PostgresConnection.writerReportSQL(serverVersion: $0) }) { [weak self] outcome in
            let version = self?.serverVersion ?? 0
            completion(outcome.flatMap { result in
                Result { () throws(PostgresError) in try PostgresConnection.writerReport(from: result, serverVersion: version) }
            })
        }
    }

    /// A replica's own view (see `PostgresConnection.replicaStatus()`), without blocking.
    public func replicaStatus(timeout: DispatchTimeInterval, downstreams: Bool = false,
                              completion: @escaping @Sendable (Result<ReplicaStatus, PostgresError>) -> Void) {
        run(timeout: timeout, sql: { _ in PostgresConnection.replicaStatusSQL(downstreams: downstreams) }) { outcome in
            completion(outcome.flatMap { result in
                Result { () throws(PostgresError) in try PostgresConnection.replicaStatus(from: result) }
            })
        }
    }
}
