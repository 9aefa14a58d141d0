import Testing
@testable import Postgres

/// A replica's tcp_keepalives_idle/interval as its probe reads them: PostgreSQL prints seconds;
/// anything else a server sends is unknown, never a trap.
@Suite struct KeepaliveSettingTests {
    @Test func theProbeReadsTheServersKeepalives() throws {
        let result = QueryResult(columns: ["in_recovery", "replay_delay", "replay_lsn", "receiver_status", "keepalives_idle",
                                           "keepalives_interval"],
                                 rows: [["t", "0.5", "0/3000060", "streaming", "7200", "75"]])
        let status = try PostgresConnection.replicaStatus(from: result)
        #expect(status.keepalivesIdleSeconds == 7200)
        #expect(status.keepalivesIntervalSeconds == 75)
    }

    @Test func aServerThatDoesNotSayLeavesThemUnknown() throws {
        let result = QueryResult(columns: ["in_recovery", "keepalives_idle"], rows: [["t", nil]])
        let status = try PostgresConnection.replicaStatus(from: result)
        #expect(status.keepalivesIdleSeconds == nil)
        #expect(status.keepalivesIntervalSeconds == nil)
    }

    @Test(arguments: [("7200", 7200), ("5", 5), (" 60 ", 60), ("30s", 30), ("15min", 900), ("2h", 7200), ("1d", 86_400)])
    func settingsAreReadInSeconds(text: String, seconds: Int) {
        #expect(PostgresConnection.seconds(text) == seconds)
    }

    /// 0 is what a Unix-socket session shows: no keepalives to speak of.
    @Test(arguments: ["0", "", "-5", "abc", "7200x", "5 ms", "9999999999", "400d", "1e3", "0x10", "٣٠"])
    func anythingElseIsUnknown(text: String) {
        #expect(PostgresConnection.seconds(text) == nil)
    }
}
