import Configuration
import Dispatch
import IPVS
import LVSModel
import Logging
import PoolCore
import Postgres
import RoundCore

/// A round's decision, driven: the observation gathered (marks, candidates, the kernel's
/// table), the decider called, its steps applied through the `IPVSTable` and its lines logged.
extension ReconcileLoop {
    /// One decision and reconciliation of every virtual service from a round's observations;
    /// `roundPlans` are the candidates already resolved from the round's own writer report.
    /// `freshWriter`: the writer's answer in this round, if it answered in time (else its last
    /// answer serves, as the decider rules).
    func decide(freshWriter: Result<WriterReport, PostgresError>?, plans roundPlans: [ServiceCandidates]?,
                probes: [SocketEndpoint: ReplicaProbe], statuses: [SocketEndpoint: ReplicaStatus], started: Double) {
        dispatchPrecondition(condition: .onQueue(queue))
        defer {
            cycles += 1
            publish(lastCycleSeconds: now - started)
        }
        let policy = roundPolicy()
        let sighting = writerSighting(fresh: freshWriter)
        // The writer's rows serve while its answer does (the decider's rule); resolved once.
        var report: WriterReport?
        if case .report? = sighting?.current(now: now, lifetime: policy.writerAnswerLifetime) {
            report = try? (freshWriter ?? latestWriter?.outcome)?.get()
        }
        let plans = roundPlans ?? plans(for: report)
        let cascades = cascade(probes: probes, statuses: statuses, writerPosition: freshWriter != nil ? report?.currentPosition : nil)
        cycleFailed = false
        // The kernel calls share one budget: a kernel that stops answering costs the cycle that
        // once, not the receive timeout per request; what is left waits for the next cycle.
        table.timeBudget = .milliseconds(CycleBudget.kernelMilliseconds)
        defer { table.timeBudget = nil }
        let (kernel, readErrors) = readKernel()
        let observation = RoundObservation(
            now: now, writer: sighting,
            plans: Dictionary(plans.map { plan in
                (plan.service.name, RoundCore.CandidatePlan(rows: plan.rows, statics: plan.statics,
                                                            cascadedRows: cascades[plan.service.name]?.rows ?? [],
                                                            standbyStreams: cascades[plan.service.name]?.streams ?? [:]))
            }, uniquingKeysWith: { first, _ in first }),
            probes: probes, maintenance: observeMaintenance(), kernel: try? kernel.get())
        // Where this round's cascaded rows point, from the pools as they stood before it.
        let nextCascadeEndpoints = endpoints(of: cascades)
        let decision = decider.decide(observation, policy: policy)
        logger.log(decision.events)
        if case .failure(let error) = kernel {
            cycleFailed = true
            kernelErrors += 1
            logger.error("\(error)")
            return
        }
        cascadeEndpoints = nextCascadeEndpoints
        for configured in configuration.virtualServices {
            var serviceLogger = logger
            serviceLogger[metadataKey: "virtual_service"] = "\(configured.service.key)"
            do {
                if let error = readErrors[configured.name] { throw error }
                guard let decided = decision[service: configured.name] else { continue }
                serviceLogger.log(decided.events)
                var burst = decided.burst
                defer { serviceLogger.log(burst.summary()) }
                try poolKeeper.keep(decided, logger: serviceLogger, burst: &burst)
            } catch {
                kernelErrors += 1
                cycleFailed = true
                serviceLogger.error("\(error)")
            }
        }
        timeoutKeeper.keep(table, now: now, logger: logger)
        syncDaemonKeeper.keep(table, now: now, logger: logger)
        if let checked = kernelSettingsCheckedAt, now - checked >= IPVSTimeoutKeeper.readInterval { checkKernelSettings() }
        checkIdleSessions()
    }

    /// The configuration's services as the decider reads them.
    func roundPolicy() -> RoundPolicy {
        RoundPolicy(
            services: configuration.virtualServices.map { service in
                ServicePolicy(name: service.name, service: service.service, policy: service.policy, discovery: service.discovery,
                              virtualAddress: service.virtualAddress, allowedNetworks: allowedNetworks(for: service))
            },
            writerAnswerLifetime: Double(configuration.pollInterval.milliseconds + configuration.writer.timeout.milliseconds) / 1000)
    }

    /// The writer's answer as the decider reads it: this round's (`fresh`), else its last one
    /// and when it came; nil while its first answer is on its way.
    func writerSighting(fresh: Result<WriterReport, PostgresError>?) -> WriterSighting? {
        if let fresh { return WriterSighting(answer: ReconcileLoop.answer(fresh), at: now, fresh: true) }
        return latestWriter.map { WriterSighting(answer: ReconcileLoop.answer($0.outcome), at: $0.at, fresh: false) }
    }

    static func answer(_ outcome: Result<WriterReport, PostgresError>) -> WriterAnswer {
        switch outcome {
        case .failure(let error):
            return .problem("writer unreachable: \(error.summary)" + (error.guardRemedy.map { " (\($0))" } ?? ""))
        case .success(let report) where report.inRecovery:
            return .problem("the writer conninfo reaches a standby, not a writer")
        case .success(let report):
            return .report(WriterFacts(serverAddress: report.serverAddress, timeline: report.timeline))
        }
    }

    /// The kernel's entries of every configured service: one dump of the services, then each
    /// one's real servers (a read that fails leaves that service undecided this round).
    func readKernel() -> (Result<[String: KernelService], IPVSError>, [String: IPVSError]) {
        let services: [VirtualServiceKey: VirtualService]
        do {
            services = try listKernelServices()
        } catch {
            return (.failure(error), [:])
        }
        var kernel: [String: KernelService] = [:]
        var errors: [String: IPVSError] = [:]
        for configured in configuration.virtualServices {
            let current = services[configured.service.key]
            do {
                kernel[configured.name] = KernelService(service: current,
                                                        destinations: current == nil ? [] : try table.destinations(of: configured.service.key))
            } catch {
                errors[configured.name] = error
            }
        }
        return (.success(kernel), errors)
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
    /// (the store serves the last marks read after that) fails closed (the decider says so).
    func observeMaintenance() -> MaintenanceObservation {
        do {
            return MaintenanceObservation(marks: try maintenance.load(), path: maintenance.path)
        } catch {
            return MaintenanceObservation(unreadable: "\(error)", path: maintenance.path)
        }
    }
}
