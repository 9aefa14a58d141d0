import Testing
import LVSModel
import PoolCore

/// Bringing the kernel's sync daemons to what `ipvs.sync_daemon` asks for.
@Suite struct SyncDaemonPlanTests {
    let master = SyncDaemon(role: .master, interface: "eth1", syncID: 7)
    let backup = SyncDaemon(role: .backup, interface: "eth1", syncID: 7)

    @Test func missingDaemonsAreStarted() {
        let plan = SyncDaemonPlan(current: [], wanted: [master, backup])
        #expect(plan.stop.isEmpty)
        #expect(plan.start == [master, backup])
        #expect(plan.changes == ["start master sync daemon on eth1 (syncid 7)", "start backup sync daemon on eth1 (syncid 7)"])
    }

    @Test func runningAsAskedIsLeftAlone() {
        // The kernel reports its own details (maxlen, group, ttl): they do not count.
        var reported = master
        reported.details = SyncDaemon.Details(maximumLength: 1472, group: IPAddress("224.0.0.81"), port: 8848, ttl: 1)
        #expect(SyncDaemonPlan(current: [reported], wanted: [master]).isEmpty)
    }

    @Test func anotherInterfaceOrSyncIDIsRestarted() {
        let elsewhere = SyncDaemon(role: .master, interface: "eth2", syncID: 7)
        let plan = SyncDaemonPlan(current: [elsewhere], wanted: [master])
        #expect(plan.stop == [elsewhere])
        #expect(plan.start == [master])
        let otherID = SyncDaemon(role: .backup, interface: "eth1", syncID: 8)
        #expect(SyncDaemonPlan(current: [otherID], wanted: [backup]).changes
                == ["stop backup sync daemon on eth1 (syncid 8)", "start backup sync daemon on eth1 (syncid 7)"])
    }

    @Test func aRoleNotAskedForIsStopped() {
        let plan = SyncDaemonPlan(current: [master, backup], wanted: [backup])
        #expect(plan.stop == [master])
        #expect(plan.start.isEmpty)
    }
}
