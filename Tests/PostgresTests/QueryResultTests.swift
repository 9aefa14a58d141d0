import Testing
@testable import Postgres

/// Whatever answers at a probed address shapes the result; reading it must never trap.
@Suite struct QueryResultTests {
    @Test func twoColumnsOfOneNameReadAsTheFirst() {
        let result = QueryResult(columns: ["in_recovery", "in_recovery", "replay_delay"], rows: [["t", "f", "1.5"]])
        let row = result.row(0)
        #expect(row.count == 2)
        #expect(row["in_recovery"] == .some("t"))
        #expect(row["replay_delay"] == .some("1.5"))
    }

    @Test func aReplicaAnsweringWithDuplicateColumnsIsParsedNotFatal() throws {
        let result = QueryResult(columns: ["in_recovery", "replay_delay", "replay_delay", "replay_lsn", "receiver_status"],
                                 rows: [["t", "0.25", "99", "0/3000060", "streaming"]])
        let status = try PostgresConnection.replicaStatus(from: result)
        #expect(status.inRecovery)
        #expect(status.replayDelaySeconds == 0.25)
    }

    @Test func aRowShorterThanItsColumnsReadsAsNulls() {
        let result = QueryResult(columns: ["in_recovery", "replay_delay"], rows: [["t"]])
        #expect(result.row(0)["replay_delay"] == .some(nil))
    }
}
