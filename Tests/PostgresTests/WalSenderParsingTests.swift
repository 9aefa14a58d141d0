import Testing
@testable import Postgres

/// Rows as PostgreSQL 10 through 17 return them for the writer's query: the same column names
/// (the *_location columns of 9.6 are gone since 10), reply_time only from 12.
@Suite struct WalSenderParsingTests {
    let columns = ["in_recovery", "server_addr", "timeline", "pid", "application_name", "client_addr", "state",
                   "sync_state", "sent_lsn", "write_lsn", "flush_lsn", "replay_lsn", "replay_lag_bytes",
                   "replay_lag_seconds", "reply_time"]

    @Test(arguments: [100_000, 110_000, 120_000, 130_000, 140_000, 150_000, 160_000, 170_000])
    func theQueryFitsEachVersion(version: Int) {
        let sql = PostgresConnection.writerReportSQL(serverVersion: version)
        #expect(sql.contains("r.replay_lsn::text"))
        #expect(sql.contains("pg_wal_lsn_diff(pg_current_wal_lsn(), r.replay_lsn)"))
        #expect(sql.contains(version >= 120_000 ? "r.reply_time::text" : "NULL::text AS reply_time"))
    }

    @Test func aStreamingReplicaOnPostgres15() throws {
        let result = QueryResult(columns: columns, rows: [
            ["f", "10.0.0.100", "1", "4242", "node2", "10.0.0.12", "streaming", "async",
             "0/74ABA88", "0/74ABA88", "0/74ABA88", "0/74A0000", "43656", nil, "2026-11-25 14:45:29.4+00"],
        ])
        let report = try PostgresConnection.writerReport(from: result, serverVersion: 150_018)
        #expect(report.inRecovery == false)
        #expect(report.timeline == 1)
        #expect(report.serverAddress == "10.0.0.100")
        let sender = try #require(report.walSenders.first)
        #expect(sender == WalSender(pid: 4242, applicationName: "node2", clientAddress: "10.0.0.12", state: "streaming",
                                    syncState: "async", sentLSN: "0/74ABA88", writeLSN: "0/74ABA88", flushLSN: "0/74ABA88",
                                    replayLSN: "0/74A0000", replayLagBytes: 43656, replayLagSeconds: nil,
                                    replyTime: "2026-11-25 14:45:29.4+00"))
        #expect(sender.isReplica)
    }

    @Test func postgres10HasNoReplyTime() throws {
        let result = QueryResult(columns: columns, rows: [
            ["f", "10.0.0.100", "3", "77", "node3", "10.0.0.13", "streaming", "sync", "0/3000060", "0/3000060",
             "0/3000060", "0/3000060", "0", "0.002", nil],
        ])
        let sender = try #require(try PostgresConnection.writerReport(from: result, serverVersion: 100_023).walSenders.first)
        #expect(sender.replyTime == nil)
        #expect(sender.replayLagSeconds == 0.002)
        #expect(sender.syncState == "sync")
    }

    @Test func baseBackupsAndReceiversAreNotReplicas() throws {
        let result = QueryResult(columns: columns, rows: [
            ["f", nil, "1", "90", "pg_basebackup", "10.0.0.14", "backup", "async", nil, nil, nil, nil, nil, nil, nil],
            ["f", nil, "1", "91", "pg_receivewal", "10.0.0.20", "streaming", "async", "0/5000000", "0/5000000", "0/5000000",
             nil, nil, nil, nil],
        ])
        let senders = try PostgresConnection.writerReport(from: result, serverVersion: 150_000).walSenders
        #expect(senders.map(\.isReplica) == [false, false])
    }

    @Test func aWriterWithoutWalSendersReportsNone() throws {
        let result = QueryResult(columns: columns, rows: [
            ["f", "10.0.0.100", "2", nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil],
        ])
        let report = try PostgresConnection.writerReport(from: result, serverVersion: 160_000)
        #expect(report.walSenders.isEmpty)
        #expect(report.timeline == 2)
    }

    @Test func aStandbyBehindTheWriterConninfoSaysSo() throws {
        let result = QueryResult(columns: columns, rows: [
            ["t", "10.0.0.12", nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil],
        ])
        let report = try PostgresConnection.writerReport(from: result, serverVersion: 170_000)
        #expect(report.inRecovery)
        #expect(report.timeline == nil)
    }
}
