import Testing
@testable import Postgres

/// A standby's probe answer for cascade discovery: its own WAL receiver and the standbys
/// streaming from it, and WAL positions as PostgreSQL prints them.
@Suite struct CascadeStatusParsingTests {
    let columns = ["in_recovery", "replay_delay", "replay_lsn", "receiver_status", "receiver_tli", "keepalives_idle",
                   "keepalives_interval", "pid", "application_name", "client_addr", "state", "sync_state",
                   "sender_replay_lsn", "replay_lag_seconds"]

    @Test func aStandbyWithTwoDownstreams() throws {
        let result = QueryResult(columns: columns, rows: [
            ["t", "0.4", "0/9000148", "streaming", "2", "7200", "75", "501", "node5", "10.0.0.15", "streaming", "async",
             "0/9000100", "0.003"],
            ["t", "0.4", "0/9000148", "streaming", "2", "7200", "75", "502", "node6", "10.0.0.16", "catchup", "async",
             "0/8000000", nil],
        ])
        let status = try PostgresConnection.replicaStatus(from: result)
        #expect(status.inRecovery && status.receiverStreaming)
        #expect(status.receiverTimeline == 2)
        #expect(status.replayLSN == "0/9000148", "the standby's own position, not a sender's")
        #expect(status.downstreams.map(\.applicationName) == ["node5", "node6"])
        #expect(status.downstreams[0].replayLSN == "0/9000100")
        #expect(status.downstreams[0].replayLagSeconds == 0.003)
        #expect(status.downstreams[1].state == "catchup")
    }

    /// The LEFT JOIN's one row with NULL sender columns, and no WAL receiver (its upstream gone).
    @Test func aStandbyWithNoDownstreamAndNoReceiver() throws {
        let result = QueryResult(columns: columns, rows: [
            ["t", nil, "0/9000148", nil, nil, "7200", "75", nil, nil, nil, nil, nil, nil, nil],
        ])
        let status = try PostgresConnection.replicaStatus(from: result)
        #expect(status.downstreams.isEmpty)
        #expect(status.receiverStatus == nil && !status.receiverStreaming)
        #expect(status.keepalivesIdleSeconds == 7200)
    }

    @Test func atMostSixtyFourDownstreamsAreRead() throws {
        let row: [String?] = ["t", nil, "0/1", "streaming", "1", "0", "0", "7", "x", "10.0.0.9", "streaming", "async", "0/1", nil]
        let result = QueryResult(columns: columns, rows: Array(repeating: row, count: 5000))
        #expect(try PostgresConnection.replicaStatus(from: result).downstreams.count == PostgresConnection.maximumDownstreams)
    }

    /// Without pg_read_all_stats the probe role sees a sender's pid and nothing else: no row.
    @Test func aRowThatCannotBeSeenWholeIsNone() throws {
        let result = QueryResult(columns: columns, rows: [
            ["t", nil, "0/9000148", nil, nil, "7200", "75", "501", nil, nil, nil, nil, nil, nil],
        ])
        #expect(try PostgresConnection.replicaStatus(from: result).downstreams.isEmpty)
    }

    /// Only a cascading service reads (and pays for) the standbys' pg_stat_replication.
    @Test func theDownstreamsAreAskedForOnlyWhenWanted() {
        #expect(!PostgresConnection.replicaStatusSQL(downstreams: false).contains("pg_stat_replication"))
        #expect(PostgresConnection.replicaStatusSQL(downstreams: true).contains("pg_stat_replication LIMIT 64"))
        #expect(PostgresConnection.replicaStatusSQL(downstreams: false).contains("pg_stat_wal_receiver"))
    }

    @Test func theWritersPositionIsRead() throws {
        let columns = ["in_recovery", "server_addr", "timeline", "pid", "current_lsn"]
        let report = try PostgresConnection.writerReport(
            from: QueryResult(columns: columns, rows: [["f", "10.0.0.100", "1", nil, "16/B374D848"]]), serverVersion: 150_000)
        #expect(report.currentPosition == WALPosition(0x16_B374_D848))
        #expect(report.walSenders.isEmpty)
    }

    @Test(arguments: [("0/0", 0), ("0/9000148", 0x900_0148), ("16/B374D848", 0x16_B374_D848),
                      ("FFFFFFFF/FFFFFFFF", UInt64.max)])
    func positionsParse(text: String, value: UInt64) {
        #expect(WALPosition(text)?.value == value)
        #expect(WALPosition(text)?.description == text)
    }

    @Test(arguments: ["", "/", "0/", "/0", "0/0/0", "123456789/0", "0/123456789", "g/0", "-1/0", " 0/0", "0/0 ", "+1/0"])
    func whateverElseIsNoPosition(text: String) {
        #expect(WALPosition(text) == nil)
    }

    @Test func bytesBetweenPositions() {
        let writer = WALPosition("0/9000148")!
        #expect(writer.bytes(since: WALPosition("0/9000100")!) == 0x48)
        #expect(WALPosition("0/9000100")!.bytes(since: writer) == -0x48)
        #expect(WALPosition(UInt64.max).bytes(since: WALPosition(0)) == Int64.max)
        #expect(WALPosition(0).bytes(since: WALPosition(UInt64.max)) == -Int64.max)
    }
}
