import IPVS
import LVSModel
import Logging
import PoolCore
import RoundCore

/// Keeps the kernel's IPVS connection timeouts as `ipvs.timeouts` asks, and knows them for the
/// idle-session check. One GET_CONFIG is cheap but not free: they are read at start and reload
/// and at most every `readInterval` after; a timeout someone changed (ipvsadm --set) is put back
/// then, and said so.
final class IPVSTimeoutKeeper {
    /// The kernel's timeouts as last read (or set); nil until read.
    private(set) var kernel: IPVSTimeouts?
    private var settings: TimeoutSettings
    private var lastRead: Double?
    /// Whether the kernel has matched the settings since the last start or reload: a difference
    /// after that is drift.
    private var settled = false
    private var problem = RecurringProblem()

    static let readInterval = 10.0

    init(settings: TimeoutSettings) {
        self.settings = settings
    }

    /// A reload: the new settings apply at the next decision.
    func reconfigure(_ settings: TimeoutSettings) {
        if settings != self.settings { settled = false }
        self.settings = settings
        lastRead = nil
    }

    /// Reads the kernel's timeouts when due and corrects them (a dry run's table records the
    /// correction). Runs on the loop's queue, inside a decision's kernel budget.
    func keep(_ ipvs: any IPVSTable, now: Double, logger: Logger) {
        if let lastRead, now - lastRead < IPVSTimeoutKeeper.readInterval { return }
        lastRead = now
        do {
            var current = try ipvs.timeouts()
            if let correction = settings.correction(of: current) {
                try ipvs.setTimeouts(correction.request)
                let list = correction.changes.joined(separator: ", ")
                if settled {
                    logger.warning("IPVS timeouts were changed outside pglvsd; put back as ipvs.timeouts says: \(list)")
                } else {
                    logger.notice("IPVS timeouts set as ipvs.timeouts says: \(list)")
                }
                current = try ipvs.timeouts()
            }
            kernel = current
            settled = settings.correction(of: current) == nil
            if problem.end() { logger.info("IPVS timeouts can be read again") }
        } catch {
            let text = "cannot keep the IPVS timeouts: \(error)"
            if problem.recur(text) { logger.error("\(text)") }
        }
    }
}
