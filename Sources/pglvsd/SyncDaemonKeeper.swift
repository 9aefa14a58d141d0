import Glibc
import IPVS
import LVSModel
import Logging
import PoolCore
import RoundCore

/// Keeps the kernel's connection synchronisation daemons as `ipvs.sync_daemon` asks (a
/// director pair whose standby carries sessions on). Read at start and reload and at most every
/// `IPVSTimeoutKeeper.readInterval` after; a daemon someone stopped or changed is put back and
/// said so. Without `ipvs.sync_daemon` the kernel's daemons are left alone; on stop they keep
/// running, like the table, so the pair stays in sync while pglvsd restarts.
final class SyncDaemonKeeper {
    private var wanted: [SyncDaemon]?
    private var lastRead: Double?
    /// Whether the kernel has matched the configuration since the last start, reload or ip_vs
    /// reload: a difference after that is drift.
    private var settled = false
    /// Drift put back in a row: another program that keeps changing the daemons is not fought
    /// forever (each restart loses the sync messages of its gap).
    private var correctionsInARow = 0
    static let correctionsBeforeGivingUp = 3
    private var problem = RecurringProblem()

    init(wanted: [SyncDaemon]?) {
        self.wanted = wanted
    }

    /// A reload, or ip_vs loaded again: the daemons are brought to the configuration at the
    /// next decision, as at start.
    func reconfigure(_ wanted: [SyncDaemon]?) {
        self.wanted = wanted
        settled = false
        correctionsInARow = 0
        lastRead = nil
    }

    /// Reads the kernel's daemons when due and starts and stops them (a dry run's table records
    /// that). Runs on the loop's queue, inside a decision's kernel budget.
    func keep(_ ipvs: any IPVSTable, now: Double, logger: Logger) {
        guard let wanted else { return }
        if let lastRead, now - lastRead < IPVSTimeoutKeeper.readInterval { return }
        lastRead = now
        do {
            let plan = SyncDaemonPlan(current: try ipvs.syncDaemons(), wanted: wanted)
            if plan.isEmpty {
                settled = true
                correctionsInARow = 0
                report(nil, logger)
                return
            }
            let list = plan.changes.joined(separator: ", ")
            // A daemon that cannot start must not cost the one that runs (a typo in a reload).
            if let missing = plan.start.first(where: { if_nametoindex($0.interface) == 0 }) {
                report("cannot start the \(missing): no interface \(missing.interface) here; the running sync daemons are left as they are", logger)
                return
            }
            if settled && correctionsInARow >= SyncDaemonKeeper.correctionsBeforeGivingUp {
                report("another program keeps changing the IPVS sync daemons (\(list) needed \(correctionsInARow) times in a row): pglvsd leaves them until a reload; one owner per director", logger)
                return
            }
            for daemon in plan.stop { try ipvs.stopSyncDaemon(daemon.role) }
            for daemon in plan.start { try ipvs.startSyncDaemon(daemon) }
            if settled {
                correctionsInARow += 1
                logger.warning("IPVS sync daemons were changed outside pglvsd; put back as ipvs.sync_daemon says: \(list)")
            } else {
                logger.notice("IPVS sync daemons as ipvs.sync_daemon says: \(list)")
            }
            settled = true
            report(nil, logger)
        } catch {
            report("cannot keep the IPVS sync daemons: \(error)", logger)
        }
    }

    /// Logs a standing problem once, and once when it is gone.
    private func report(_ text: String?, _ logger: Logger) {
        if let text {
            if problem.recur(text) { logger.error("\(text)") }
        } else if problem.end() {
            logger.info("IPVS sync daemons kept as ipvs.sync_daemon says again")
        }
    }
}
