import Dispatch
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
import PoolCore
import Postgres
import RoundCore
import Systemd

/// What the daemon tells the outside after each decision: sd_notify (READY, STATUS, WATCHDOG),
/// the status file `pglvsd status` reads and the node_exporter metrics file. The loop builds
/// them as a `Publication`; its `publisher` does the I/O off the loop's queue.
extension ReconcileLoop {
    /// After each decision, whether or not the kernel could be read.
    func publish(lastCycleSeconds: Double) {
        dispatchPrecondition(condition: .onQueue(queue))
        // First: it decides READY, which the status file says too.
        let notifications = serviceManagerNotifications()
        var files = [PublishedContent.status(statusReport(), path: StatusReport.path(runtimeDirectory: configuration.runtimeDirectory))]
        if let path = configuration.metricsFile {
            files.append(.metrics(metricsSnapshot(lastCycleSeconds: lastCycleSeconds), path: path))
        }
        publisher.publish(Publication(notifications: notifications, files: files))
    }

    /// A published file's problem started, changed or ended (on the queue): said once each.
    func published(_ report: LivePublisher.Report) {
        dispatchPrecondition(condition: .onQueue(queue))
        if let problem = report.problem {
            logger.error("\(problem)")
        } else {
            logger.info("\(report.name) is written again")
        }
    }

    /// The node_exporter textfile's figures.
    private func metricsSnapshot(lastCycleSeconds: Double) -> MetricsSnapshot {
        MetricsSnapshot(
            writerUp: decider.writerHealth.isUp,
            pools: configuration.virtualServices.compactMap { service in
                summaries[service.name].map { (service.name, "\(service.service.key)", $0) }
            },
            lastCycleSeconds: lastCycleSeconds, cycles: cycles, kernelOperations: poolKeeper.operationsApplied, kernelErrors: kernelErrors)
    }

    /// What the status file `pglvsd status` reads says now.
    private func statusReport() -> StatusReport {
        StatusReport(
            pid: getpid(), updatedAt: Date(), pollIntervalMilliseconds: configuration.pollInterval.milliseconds,
            ready: announcedReady,
            writer: .init(conninfo: (try? Conninfo.redacted(configuration.writer.conninfo)) ?? "(unparsable)",
                          reachable: decider.writerHealth.isUp, problem: decider.writerHealth.problem.text, address: decider.writerHealth.address),
            pools: configuration.virtualServices.compactMap { service in
                summaries[service.name].map {
                    StatusReport.pool(name: service.name, service: "\(service.service.key)", result: $0,
                                      minPool: service.policy.minPool, wallClock: wallClock)
                }
            })
    }

    /// READY once the kernel first matches the decision, STATUS when the summary changes, and
    /// WATCHDOG every cycle: a wedged loop stops the keep-alives and systemd restarts it.
    private func serviceManagerNotifications() -> [NotifyState] {
        var states: [NotifyState] = [.watchdog]
        let status = statusLine()
        if status != lastStatus {
            states.append(.status(status))
            lastStatus = status
        }
        if !announcedReady {
            // Decided: the kernel matches a decision made with the writer's answer, and no
            // server is counting rise or fall. Past the start-up wait READY goes out anyway,
            // saying what is still missing, so that `systemctl start` never hangs on it.
            var undecided: [String] = []
            if cycleFailed { undecided.append("the kernel table could not be read or changed") }
            if latestWriter == nil { undecided.append("the writer has not answered") }
            if isSettling() { undecided.append("servers still counting rise or fall") }
            if undecided.isEmpty || now >= startupWaitSeconds {
                announcedReady = true
                states.append(.ready)
                if undecided.isEmpty {
                    logger.info("ready after \(Decimal.fixed(now, places: 2)) s, every pool decided: \(status)")
                } else {
                    logger.warning("ready after the start-up wait of \(Int(startupWaitSeconds)) s, undecided: \(undecided.joined(separator: ", ")): \(status)")
                }
            }
        }
        return states
    }

    /// READY=1 (which `systemctl start` waits for) goes out once no server is still counting
    /// rise or fall, so that the start returning means reads flow; a server that keeps flapping
    /// holds it back no longer than this, well inside the unit's TimeoutStartSec (60 s).
    var startupWaitSeconds: Double {
        let rise = configuration.virtualServices.map { max($0.policy.rise, $0.policy.fall) }.max() ?? 1
        let oneDecision = Double(configuration.writer.timeout.milliseconds + rise * configuration.pollInterval.milliseconds) / 1000
        return min(45, max(10, 2 * oneDecision))
    }

    /// `reader 2/3 serving; writer reachable`: one line for systemctl status.
    func statusLine() -> String {
        let pools = configuration.virtualServices.map { service -> String in
            let members = summaries[service.name]?.members ?? []
            let serving = members.filter { $0.weight > 0 }.count
            return "\(service.name) \(serving)/\(members.count) serving"
        }
        let writer = decider.writerHealth.isUp ? "reachable" : !decider.writerHealth.problem.isStanding ? "not answered yet" : "unreachable (fail-static)"
        return pools.joined(separator: ", ") + "; writer " + writer
            + (!decider.maintenanceProblem.isStanding ? "" : "; maintenance marks unreadable (no server joins)")
    }
}
