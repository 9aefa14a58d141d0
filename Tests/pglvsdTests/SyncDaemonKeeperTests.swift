import IPVS
import LVSModel
import Testing
@testable import pglvsd

/// The sync daemons kept against a recording table: started, put back, never fought forever,
/// and a daemon that cannot start never costs the running one.
@Suite struct SyncDaemonKeeperTests {
    let master = SyncDaemon(role: .master, interface: "lo", syncID: 7)

    @Test func startedThenPutBackWithAWarning() throws {
        let table = RecordingIPVSTable()
        let log = LogRecorder()
        let keeper = SyncDaemonKeeper(wanted: [master])
        keeper.keep(table, now: 0, logger: log.logger)
        #expect(try table.syncDaemons() == [master])
        try table.stopSyncDaemon(.master)
        keeper.keep(table, now: 5, logger: log.logger)
        #expect(try table.syncDaemons().isEmpty, "read again only after the interval")
        keeper.keep(table, now: 10, logger: log.logger)
        #expect(try table.syncDaemons() == [master])
        #expect(log.lines.map(\.message).contains { $0.contains("IPVS sync daemons as ipvs.sync_daemon says: start master sync daemon on lo (syncid 7)") })
        #expect(log.lines.map(\.message).contains { $0.contains("were changed outside pglvsd; put back") })
    }

    @Test func anotherOwnerIsLeftAloneAfterThreeCorrections() throws {
        let table = RecordingIPVSTable()
        let log = LogRecorder()
        let keeper = SyncDaemonKeeper(wanted: [master])
        keeper.keep(table, now: 0, logger: log.logger)
        let other = SyncDaemon(role: .master, interface: "lo", syncID: 9)
        for round in 1...5 {
            try table.stopSyncDaemon(.master)
            try table.startSyncDaemon(other)
            keeper.keep(table, now: Double(round) * 10, logger: log.logger)
        }
        #expect(try table.syncDaemons() == [other], "the other owner's daemon is left after three corrections")
        #expect(log.lines.map(\.message).filter { $0.contains("put back") }.count == 3)
        #expect(log.lines.map(\.message).filter { $0.contains("another program keeps changing the IPVS sync daemons") }.count == 1)
    }

    @Test func aDaemonThatCannotStartNeverCostsTheRunningOne() throws {
        let table = RecordingIPVSTable(syncDaemons: [master])
        let log = LogRecorder()
        let keeper = SyncDaemonKeeper(wanted: [SyncDaemon(role: .master, interface: "nosuch0", syncID: 7)])
        keeper.keep(table, now: 0, logger: log.logger)
        keeper.keep(table, now: 10, logger: log.logger)
        #expect(try table.syncDaemons() == [master])
        #expect(table.changes.isEmpty)
        #expect(log.lines.map(\.message).filter { $0.contains("no interface nosuch0 here; the running sync daemons are left as they are") }.count == 1)
    }

    @Test func withoutTheKeyTheKernelsDaemonsAreLeftAlone() throws {
        let table = RecordingIPVSTable(syncDaemons: [master])
        SyncDaemonKeeper(wanted: nil).keep(table, now: 0, logger: LogRecorder().logger)
        #expect(table.changes.isEmpty)
    }
}
