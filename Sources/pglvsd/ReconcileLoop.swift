import Configuration
import Dispatch
import IPVS
import LVSModel
import Logging
import PoolCore
import Postgres

/// The daemon's loop: every poll interval, ask the writer, decide each pool, and bring the
/// kernel's table to it. All state lives on one serial queue.
final class ReconcileLoop: @unchecked Sendable {
    private let configuration: DaemonConfiguration
    private let logger: Logger
    private let queue = DispatchQueue(label: "pglvsd.reconcile")
    private let writer: WriterObserver
    private let ipvs: IPVSClient
    private var timer: DispatchSourceTimer?
    private var writerProblem: String?
    /// Per virtual service, the reason each observed standby was last left out for.
    private var lastExclusions: [String: [String: ExclusionReason]] = [:]

    init(configuration: DaemonConfiguration, logger: Logger) throws(IPVSError) {
        self.configuration = configuration
        self.logger = logger
        self.writer = WriterObserver(conninfo: configuration.writer.conninfo, logger: logger)
        self.ipvs = try IPVSClient()
    }

    func start() {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        let interval = configuration.pollInterval.milliseconds
        timer.schedule(deadline: .now(), repeating: .milliseconds(interval), leeway: .milliseconds(interval / 20))
        timer.setEventHandler { [weak self] in self?.cycle() }
        self.timer = timer
        timer.resume()
    }

    /// One observation, decision and reconciliation.
    private func cycle() {
        let report: WriterReport
        switch writer.report() {
        case .failure(let error):
            noteWriterProblem("writer unreachable: \(error)")
            return
        case .success(let writerReport) where writerReport.inRecovery:
            noteWriterProblem("the writer conninfo reaches a standby, not a writer")
            return
        case .success(let writerReport):
            report = writerReport
        }
        if writerProblem != nil {
            logger.info("writer reachable again")
            writerProblem = nil
        }
        for service in configuration.virtualServices {
            reconcile(service, report: report)
        }
    }

    /// Fail-static: while the writer cannot answer, the pool stays as the kernel holds it, so reads
    /// keep working through a failover (the seed's agent emptied the pool here).
    private func noteWriterProblem(_ problem: String) {
        guard problem != writerProblem else { return }
        writerProblem = problem
        logger.warning("\(problem); keeping the read pool as it is")
    }

    private func reconcile(_ configured: VirtualServiceConfiguration, report: WriterReport) {
        let family = configured.service.key.family
        let observations = report.walSenders.map { sender -> ReplicaObservation in
            let name: String
            switch configured.addressSource {
            case .applicationName: name = sender.applicationName
            case .clientAddress: name = sender.clientAddress ?? ""
            }
            return ReplicaObservation(name: name, address: AddressResolver.resolve(name, family: family),
                                      state: sender.state, syncState: sender.syncState,
                                      replayLagBytes: sender.replayLagBytes)
        }
        let decision = PoolDecision(observations: observations, policy: configured.policy)
        logExclusionChanges(configured.name, decision.exclusions)

        var serviceLogger = logger
        serviceLogger[metadataKey: "virtual_service"] = "\(configured.service.key)"
        do {
            let current = try ipvs.service(configured.service.key)
            let destinations = current == nil ? [] : try ipvs.destinations(of: configured.service.key)
            let operations = PoolReconciliation.plan(service: configured.service, members: decision.members,
                                                     current: current, currentDestinations: destinations)
            for operation in operations {
                try apply(operation, to: configured.service.key)
                serviceLogger.info("pool change: \(operation)")
            }
        } catch {
            serviceLogger.error("\(error)")
        }
    }

    private func apply(_ operation: PoolOperation, to key: VirtualServiceKey) throws(IPVSError) {
        switch operation {
        case .addService(let service): try ipvs.addService(service)
        case .editService(let service): try ipvs.editService(service)
        case .addRealServer(let destination, _): try ipvs.addDestination(destination, to: key)
        case .editRealServer(let destination, _, _): try ipvs.editDestination(destination, of: key)
        case .removeRealServer(let endpoint): try ipvs.deleteDestination(endpoint, from: key)
        }
    }

    /// Logs an exclusion when it starts or its reason changes, not every cycle.
    private func logExclusionChanges(_ service: String, _ exclusions: [Exclusion]) {
        let previous = lastExclusions[service] ?? [:]
        var current: [String: ExclusionReason] = [:]
        for exclusion in exclusions {
            current[exclusion.name] = exclusion.reason
            if previous[exclusion.name] != exclusion.reason {
                logger.info("not in pool \(service): \(exclusion.name): \(exclusion.reason)")
            }
        }
        lastExclusions[service] = current
    }
}
