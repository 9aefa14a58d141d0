import IPVS
import LVSModel
import Logging
import PoolCore

/// Keeps the kernel's connection synchronisation daemons as `ipvs.sync_daemon` asks (a
/// director pair whose standby carries sessions on). Read at start and reload and at most every
/// `IPVSTimeoutKeeper.readInterval` after; a daemon someone stopped or changed is put back and
/// said so. Without `ipvs.sync_daemon` the kernel's daemons are left alone; on stop they keep
/// running, like the table, so the pair stays in sync while pglvsd restarts.
final class SyncDaemonKeeper {
    private var wanted: [SyncDaemon]?
    private var lastRead: Double?
    /// Whether the kernel has matched the configuration since the last start or reload: a
    /// difference after that is drift.
    private var settled = false
    private var problem: String?

    init(wanted: [SyncDaemon]?) {
        self.wanted = wanted
    }

    /// A reload: the new daemons apply at the next decision.
    func reconfigure(_ wanted: [SyncDaemon]?) {
        if wanted != self.wanted { settled = false }
        self.wanted = wanted
        lastRead = nil
    }

    /// Reads the kernel's daemons when due and, with `apply`, starts and stops them. Runs on the
    /// loop's queue, inside a decision's kernel budget.
    func keep(_ ipvs: IPVSClient, now: Double, apply: Bool, logger: Logger) {
        guard let wanted else { return }
        if let lastRead, now - lastRead < IPVSTimeoutKeeper.readInterval { return }
        lastRead = now
        do {
            let plan = SyncDaemonPlan(current: try ipvs.syncDaemons(), wanted: wanted)
            if !plan.isEmpty {
                let list = plan.changes.joined(separator: ", ")
                if !apply {
                    logger.notice("IPVS sync daemons: would \(list) (dry run)")
                } else {
                    for daemon in plan.stop { try ipvs.stopSyncDaemon(daemon.role) }
                    for daemon in plan.start { try ipvs.startSyncDaemon(daemon) }
                    if settled {
                        logger.warning("IPVS sync daemons were changed outside pglvsd; put back as ipvs.sync_daemon says: \(list)")
                    } else {
                        logger.notice("IPVS sync daemons as ipvs.sync_daemon says: \(list)")
                    }
                }
            }
            settled = apply || plan.isEmpty
            if problem != nil { logger.info("IPVS sync daemons kept again") }
            problem = nil
        } catch {
            let text = "cannot keep the IPVS sync daemons: \(error)"
            if text != problem { logger.error("\(text)") }
            problem = text
            // Tried again at the next read, not every round: a missing interface stays missing a while.
        }
    }
}
