import Configuration
import IPVS
import LVSModel
import Logging
import PoolCore
import Postgres

/// A round's decision: each virtual service's tracker decides its pool from the round's
/// observations, and the kernel's table is brought to it.
extension ReconcileLoop {
    /// One decision and reconciliation of every virtual service from a round's observations;
    /// `roundPlans` are the candidates already resolved from the round's own writer report.
    /// `freshWriter`: the writer answered in this round (cascaded standbys' lag is measured
    /// against its position only then).
    func decide(writerOutcome: Result<WriterReport, PostgresError>?, freshWriter: Bool, plans roundPlans: [CandidatePlan]?,
                probes: [SocketEndpoint: ReplicaProbe], statuses: [SocketEndpoint: ReplicaStatus], started: Double) {
        defer {
            cycles += 1
            publish(lastCycleSeconds: now - started)
        }
        let report = writerHealth.view(writerOutcome, logger: logger)
        let (marks, marksUnreadable) = loadMaintenance()
        let plans = roundPlans ?? plans(for: report)
        cycleFailed = false
        // The kernel calls share one budget: a kernel that stops answering costs the cycle that
        // once, not the receive timeout per request; what is left waits for the next cycle.
        table.timeBudget = .milliseconds(CycleBudget.kernelMilliseconds)
        defer { table.timeBudget = nil }
        // One dump of the kernel's services per cycle serves every configured service.
        let kernelServices: [VirtualServiceKey: VirtualService]
        do {
            kernelServices = try listKernelServices()
        } catch {
            cycleFailed = true
            kernelErrors += 1
            logger.error("\(error)")
            return
        }
        let cascades = cascade(probes: probes, statuses: statuses, writerPosition: freshWriter ? report?.currentPosition : nil)
        cascadeEndpoints = endpoints(of: cascades)
        for (service, rows, statics) in plans {
            reconcile(service, current: kernelServices[service.service.key], rows: rows, writerAvailable: report != nil,
                      statics: statics, probes: probes, marks: marks, marksUnreadable: marksUnreadable,
                      primary: report?.serverAddress.flatMap { IPAddress($0) }, writerTimeline: report?.timeline,
                      cascade: cascades[service.name] ?? Cascade())
        }
        timeoutKeeper.keep(table, now: now, logger: logger)
        syncDaemonKeeper.keep(table, now: now, logger: logger)
        if let checked = kernelSettingsCheckedAt, now - checked >= IPVSTimeoutKeeper.readInterval { checkKernelSettings() }
        checkIdleSessions()
    }

    /// One dump of the kernel's services. ip_vs unloaded and loaded again registers its netlink
    /// family under a new id and the old one answers ENOENT: look it up again, retry once.
    func listKernelServices() throws(IPVSError) -> [VirtualServiceKey: VirtualService] {
        let dump = { () throws(IPVSError) in
            Dictionary(try self.table.services().map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        }
        do {
            return try dump()
        } catch where error.kind == .kernel(.noEntry) {
            guard try table.resolveFamilyAgain() else { throw error }
            logger.warning("ip_vs was loaded again (its netlink family has a new id): rebuilding the table; its sysctls are back to the kernel's defaults until systemd-sysctl --prefix=/net/ipv4/vs runs")
            // A new module: its timeouts and sysctls are the kernel's defaults again.
            checkKernelSettings()
            timeoutKeeper.reconfigure(configuration.ipvs.timeouts)
            syncDaemonKeeper.reconfigure(configuration.ipvs.syncDaemons)
            return try dump()
        }
    }

    /// The operators' marks, or why they are unknown: a file that cannot be read at start
    /// (the store serves the last marks read after that) fails closed. Any server might be
    /// drained then, so none joins or returns until it can be read (PoolTracker); servers in
    /// the pool keep their place.
    func loadMaintenance() -> (marks: [String: MaintenanceMode], unreadable: String?) {
        do {
            let marks = try maintenance.load()
            if maintenanceProblem.end() { logger.notice("\(maintenance.path) can be read: servers may join the pool again") }
            return (marks, nil)
        } catch {
            let problem = "cannot read \(maintenance.path): \(error)"
            if maintenanceProblem.recur(problem) {
                logger.error("\(problem); no marks were ever read, so no server joins or returns to the pool until it can be read (it might be drained)")
            }
            return ([:], "\(error)")
        }
    }

    func reconcile(_ configured: VirtualServiceConfiguration, current: VirtualService?,
                   rows: [ReplicaObservation], writerAvailable: Bool,
                   statics: [StaticCandidate], probes: [SocketEndpoint: ReplicaProbe],
                   marks: [String: MaintenanceMode], marksUnreadable: String?, primary: IPAddress?,
                   writerTimeline: Int?, cascade: Cascade = Cascade()) {
        var serviceLogger = logger
        serviceLogger[metadataKey: "virtual_service"] = "\(configured.service.key)"
        do {
            let key = configured.service.key
            let destinations = current == nil ? [] : try table.destinations(of: key)
            var tracker = trackers[configured.name] ?? PoolTracker(adopting: destinations, now: now)
            let input = CycleInput(
                now: now,
                writer: writerAvailable ? .reachable(rows) : .unavailable(writerHealth.problem.text ?? "waiting for the writer's first answer"),
                probes: probes, staticCandidates: statics, discovery: configured.discovery,
                connections: Dictionary(destinations.compactMap { d in d.connections.map { (d.endpoint, $0) } },
                                        uniquingKeysWith: { first, _ in first }),
                maintenance: marks, maintenanceUnreadable: marksUnreadable,
                primary: primary.map { SocketEndpoint(address: $0, port: configured.policy.realServerPort) },
                virtualAddress: configured.virtualAddress, allowedNetworks: allowedNetworks(for: configured),
                writerTimeline: writerTimeline, cascadedRows: cascade.rows, standbyStreams: cascade.streams)
            let result = tracker.cycle(input, policy: configured.policy)
            trackers[configured.name] = tracker
            summaries[configured.name] = result
            var burst = LogBurstLimit()
            defer { burst.summarize(serviceLogger) }
            for transition in result.transitions where burst.admits(transition.kind.logKind, "\(transition)") {
                // Each change carries what `journalctl PGLVSD_…=` searches by: the server, its
                // weight after the change, and why it left.
                var metadata: Logger.Metadata = [
                    "real_server": "\(transition.endpoint)", "real_server.name": "\(transition.name)",
                    "weight": "\(result.members.first { $0.endpoint == transition.endpoint }?.weight ?? 0)",
                ]
                if let reason = transition.reason { metadata["reason"] = "\(reason)" }
                serviceLogger.info("\(transition)", metadata: metadata)
            }
            logWarningChanges(configured.name, result.warnings, serviceLogger)
            logExclusionChanges(configured.name, result.exclusions, serviceLogger, &burst)

            try poolKeeper.keep(configured.name, configured.service, decided: result, current: current,
                                destinations: destinations, logger: serviceLogger, burst: &burst)
        } catch {
            kernelErrors += 1
            cycleFailed = true
            serviceLogger.error("\(error)")
        }
    }

    /// Logs a pool warning (below min_pool, no fallback) when it starts or its text changes, and
    /// once when it clears: a director whose writer is away for minutes logs two lines, not one
    /// per round. `pglvsd status` and the metrics show a warning for as long as it holds.
    func logWarningChanges(_ service: String, _ warnings: [String], _ serviceLogger: Logger) {
        let (raised, cleared) = poolWarnings[service, default: StandingProblems()].update(warnings)
        for warning in raised { serviceLogger.warning("\(warning)") }
        for warning in cleared { serviceLogger.info("pool warning cleared: \(warning)") }
    }

    /// Logs an exclusion when it starts or its reason changes, not every cycle.
    func logExclusionChanges(_ service: String, _ exclusions: [Exclusion], _ serviceLogger: Logger,
                             _ burst: inout LogBurstLimit) {
        let previous = lastExclusions[service] ?? [:]
        var current: [String: ExclusionReason] = [:]
        for exclusion in exclusions {
            current[exclusion.name] = exclusion.reason
            if previous[exclusion.name] != exclusion.reason,
               burst.admits("servers not serving", "\(exclusion.name): \(exclusion.reason)") {
                serviceLogger.info("not serving: \(exclusion.name): \(exclusion.reason)",
                                   metadata: ["real_server.name": "\(exclusion.name)", "reason": "\(exclusion.reason)"])
            }
        }
        lastExclusions[service] = current
    }
}
