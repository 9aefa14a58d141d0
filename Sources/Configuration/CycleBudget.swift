/// How long the daemon can go between two WATCHDOG=1 under settings check-config accepts,
/// worked out in one place so the bounds and the unit's WatchdogSec can be checked together.
///
/// WATCHDOG=1 goes out when a round starts (only once the one before it has decided) and when
/// it decides. From a decision to the next round's start: at most a poll interval (the
/// timer's leeway is a twentieth of it). From a round's start to its decision, its waits in
/// turn: for the writer (its timeout until its first answer, the probe timeout after that; a
/// round whose standbys name others probes those too, up to twice the probe timeout, while the
/// writer may still answer), the lookups of the names it reports and the probes of new ones
/// (each bounded by the probe timeout), and the kernel calls, bounded together by
/// `kernelMilliseconds` (a kernel that stops answering costs that once).
public enum CycleBudget {
    /// The time one decision's netlink requests may take together; the rest waits for the
    /// next cycle. A healthy kernel answers a request in well under a millisecond.
    public static let kernelMilliseconds = 2_000

    /// The longest gap between two WATCHDOG=1 the loop allows, before its own computing (the
    /// pool's arithmetic, the status and metrics files), which the watchdog must leave room for.
    public static func longestWatchdogGapMilliseconds(_ configuration: DaemonConfiguration) -> Int {
        let idle = configuration.pollInterval.milliseconds + configuration.pollInterval.milliseconds / 20
        let (writer, probe) = (configuration.writer.timeout.milliseconds, configuration.probeTimeout.milliseconds)
        // max(writer, 2 × probe) + 2 × probe, never below the writer and three probe timeouts.
        let round = max(writer + 3 * probe, 4 * probe) + kernelMilliseconds
        return max(idle, round)
    }
}
