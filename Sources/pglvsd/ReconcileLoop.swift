import Configuration
import Dispatch
import Foundation
import IPVS
import LVSModel
import Logging
import PoolCore
import Postgres
import Systemd

/// The daemon's loop: every poll interval, ask the writer and the replicas, let each pool's
/// tracker decide, and bring the kernel's table to it. All state lives on one serial queue.
final class ReconcileLoop: @unchecked Sendable {
    private var configuration: DaemonConfiguration
    private let logger: Logger
    private let queue = DispatchQueue(label: "pglvsd.reconcile")
    private var writer: WriterObserver
    private var prober: ReplicaProber
    /// The password from writer.password_file, for the writer and the probes.
    private var password: String?
    /// The observation round in flight, if any: rounds never overlap.
    private var round: Round?
    /// A round was asked for while one ran: another starts when it ends (urgent if any ask was).
    private var roundAgain = false
    private var roundAgainUrgent = false
    /// The writer's last answer and when it came, for rounds that end before it answers.
    private var latestWriter: (outcome: Result<WriterReport, PostgresError>, at: Double)?
    /// Rounds sooner than the poll interval while a server is counting rise or fall.
    private var fastTimer: DispatchSourceTimer?
    /// Waits for the end of a round before deciding without a slow writer.
    private var patienceTimer: DispatchSourceTimer?
    /// Called once after the next decision (for `pglvsd once`).
    private var afterDecision: (() -> Void)?
    private var maintenance: MaintenanceStore
    private let resolver = AddressResolver()
    /// Whether the warning that candidates exceed the probe budget stands (logged once).
    private var probeBudgetWarned = false
    /// The director's networks (for direct-routing services without allowed_networks).
    private var connectedNetworks = ConnectedNetworks.read()
    private let ipvs: IPVSClient
    private let started = ContinuousClock.now
    private var timer: DispatchSourceTimer?
    private var writerProblem: String?
    private var trackers: [String: PoolTracker] = [:]
    /// Per virtual service, the reason each observed server was last left out for.
    private var lastExclusions: [String: [String: ExclusionReason]] = [:]
    private var maintenanceProblem: String?
    /// READY=1 goes out after the first cycle that reconciled every service with every pool
    /// decided (see `startupWaitSeconds`).
    private var announcedReady = false
    private var lastStatus = ""
    /// Each service's pool after the last cycle, for STATUS and `pglvsd status`.
    private var summaries: [String: CycleResult] = [:]
    /// Each service's desired members last cycle: a kernel change needed while they stayed the
    /// same is drift (someone edited the table by hand).
    private var lastMembers: [String: [PoolMember]] = [:]
    /// Per service, the pool warnings and the idle-session warnings standing now.
    private var poolWarnings: [String: StandingProblems] = [:]
    private var idleSessionWarnings: [String: StandingProblems] = [:]
    /// Each probed server's keepalive timing, kept while its probe reconnects.
    private var knownKeepalives: [SocketEndpoint: ServerKeepalive] = [:]
    /// IPVS sysctls whose value defeats a removal or a drain.
    private var kernelSettingProblems = StandingProblems()
    private var kernelSettingsUnreadable = false
    /// When the IPVS sysctls were last read: again every 10 s, so a value set right (or wrong)
    /// later, or put back by systemd-sysctl after ip_vs was loaded again, is seen.
    private var kernelSettingsCheckedAt: Double?
    private let timeoutKeeper: IPVSTimeoutKeeper
    private let syncDaemonKeeper: SyncDaemonKeeper
    private var cycleFailed = false
    private var lastWriterAddress: String?
    private var cycles = 0
    private var kernelOperations = 0
    private var kernelErrors = 0
    private var metricsProblem: String?

    /// With dryRun the operations are reported to `planned` instead of applied.
    private let dryRun: Bool
    private(set) var planned: [(service: String, operation: PoolOperation)] = []

    init(configuration: DaemonConfiguration, logger: Logger, dryRun: Bool = false) throws(IPVSError) {
        self.dryRun = dryRun
        self.configuration = configuration
        self.logger = logger
        password = ReconcileLoop.readPassword(configuration, logger: logger)
        writer = ReconcileLoop.makeWriter(configuration, password: password, queue: queue)
        prober = ReconcileLoop.makeProber(configuration, password: password, queue: queue, logger: logger)
        self.maintenance = MaintenanceStore(stateDirectory: configuration.stateDirectory)
        self.ipvs = try IPVSClient()
        timeoutKeeper = IPVSTimeoutKeeper(settings: configuration.ipvs.timeouts)
        syncDaemonKeeper = SyncDaemonKeeper(wanted: configuration.ipvs.syncDaemons)
        // The prober reports a connection that stirred while idle (its postmaster died), and
        // the loop observes right away instead of at the next poll.
        prober.onStirred = { [weak self] in self?.stirred($0, farewell: $1) }
    }

    /// Something arrived on an idle probe connection: its server is going away. Observe now.
    private func stirred(_ endpoint: SocketEndpoint, farewell: String?) {
        guard !dryRun else { return }
        let said = farewell.map { ": \($0)" } ?? " (server going away?)"
        logger.info("probe connection to \(endpoint) stirred while idle\(said); observing now",
                    metadata: ["real_server": "\(endpoint)"])
        startRound(urgent: true)
    }

    private static func readPassword(_ configuration: DaemonConfiguration, logger: Logger) -> String? {
        guard let path = configuration.writer.passwordFile else { return nil }
        switch ConfigFile.password(path) {
        case .success(let password): return password
        case .failure(let failure):
            logger.error("writer.password_file: \(path): \(failure); connecting without it")
            return nil
        }
    }

    private static func makeWriter(_ configuration: DaemonConfiguration, password: String?, queue: DispatchQueue) -> WriterObserver {
        WriterObserver(conninfo: configuration.writer.conninfo, password: password,
                       timeoutMilliseconds: configuration.writer.timeout.milliseconds, queue: queue)
    }

    private static func makeProber(_ configuration: DaemonConfiguration, password: String?, queue: DispatchQueue,
                                   logger: Logger) -> ReplicaProber {
        ReplicaProber(conninfo: configuration.replicaConninfo ?? configuration.writer.conninfo, password: password,
                      timeoutMilliseconds: configuration.probeTimeout.milliseconds,
                      watchIdle: configuration.watchIdleProbes,
                      maximumBackoffSeconds: max(Double(configuration.pollInterval.milliseconds) / 1000, 1),
                      queue: queue, logger: logger)
    }

    func start() {
        queue.async {
            self.logAllowedNetworks()
            self.logPasswordExposure()
            self.checkWatchdog()
            self.checkKernelSettings()
            self.schedule()
        }
    }

    /// A WatchdogSec shorter than this configuration's longest gap between keep-alives (plus a
    /// second for the decision's own work) can restart a daemon that is only slow: say so.
    private func checkWatchdog() {
        guard let microseconds = ServiceManager.watchdogIntervalMicroseconds else { return }
        let needed = CycleBudget.longestWatchdogGapMilliseconds(configuration) + 1000
        if Int(clamping: microseconds / 1000) < needed {
            logger.warning("the service manager's watchdog (\(microseconds / 1000)ms) is shorter than the \(needed)ms this configuration may take between keep-alives; raise WatchdogSec or lower the timeouts")
        }
    }

    /// Where discovered servers may be, once per start and reload, so an operator can see it.
    private func logAllowedNetworks() {
        for service in configuration.virtualServices {
            if let networks = allowedNetworks(for: service) {
                let list = networks.isEmpty ? "no network" : networks.map(\.description).joined(separator: ", ")
                let origin = configuration.allowedNetworks == nil ? " (the director's networks; set allowed_networks to change)" : ""
                logger.info("\(service.name): servers the writer names are probed and pooled only in \(list)\(origin)")
            } else {
                let method = service.policy.forwarding.rawValue
                logger.warning("\(service.name): allowed_networks is not set and \(method) forwarding is routed: servers the writer names are probed wherever its rows point")
            }
        }
    }

    /// Once per start: how this libpq keeps the password from a server that asks for it in clear
    /// text, what that demands of the servers, and a conninfo that turned the guard off.
    private func logPasswordExposure() {
        let version = "libpq \(LibPQ.version / 10000).\(LibPQ.version % 10000)"
        for (key, conninfo) in [("writer.conninfo", configuration.writer.conninfo), ("replica_conninfo", configuration.replicaConninfo)] {
            guard let conninfo, let own = PasswordGuardOverride.find(in: conninfo, libraryVersion: LibPQ.version) else { continue }
            logger.warning("\(key) says \(own): with \(version) a server that asks for the password in clear text or as MD5 may get it")
        }
        guard !LibPQ.canRefusePasswordInClear else { return }
        guard LibPQ.canAskForChannelBinding else {
            logger.warning("\(version) has neither require_auth nor channel_binding: a server that asks for the password in clear text gets it; use libpq 13 or later")
            return
        }
        logger.notice("\(version) has no require_auth: where the writer connection or a probe holds a password it asks for channel binding (channel_binding=require), so it logs in only by SCRAM over TLS and refuses a request for the password in clear text or as MD5; a server without TLS then fails the login (\"channel binding required …\"; put channel_binding=disable in the conninfo to accept the risk)")
    }

    /// One round, now, waited for on the caller's thread (for `pglvsd once`); returns each
    /// pool's result.
    func runOnce() -> [String: CycleResult] {
        let decided = DispatchSemaphore(value: 0)
        queue.async {
            self.afterDecision = { decided.signal() }
            self.startRound()
        }
        decided.wait()
        return queue.sync { summaries }
    }

    private func schedule() {
        timer?.cancel()
        let timer = DispatchSource.makeTimerSource(queue: queue)
        let interval = configuration.pollInterval.milliseconds
        timer.schedule(deadline: .now(), repeating: .milliseconds(interval), leeway: .milliseconds(interval / 20))
        timer.setEventHandler { [weak self] in self?.startRound() }
        self.timer = timer
        timer.resume()
    }

    /// A monotonic reading of `now` as a date (for status output only).
    private func wallClock(_ monotonic: Double) -> Date {
        Date(timeIntervalSinceNow: monotonic - now)
    }

    private var now: Double {
        let elapsed = ContinuousClock.now - started
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    // MARK: Rounds

    /// One observation round: the writer and every candidate's probe at once, each bounded by
    /// its own timeout. The decision waits for all probes, and for the writer no longer than
    /// the probe timeout: a hung writer VIP never holds back what the probes found.
    private struct Round {
        var started: Double
        var probed: Set<SocketEndpoint> = []
        var probes: [SocketEndpoint: ReplicaProbe] = [:]
        var pendingBatches = 0
        var writerPending = false
        var writerOutcome: Result<WriterReport, PostgresError>?
        /// Started because a probe connection stirred: what the probes find is applied as soon
        /// as they answer, with the writer's last answer, rather than after the writer's.
        var urgent = false
        /// Each service's candidates from this round's writer report, resolved once.
        var plans: [CandidatePlan]?
    }

    /// One service's candidates: the writer's rows and the static list, with their addresses.
    private typealias CandidatePlan = (service: VirtualServiceConfiguration, rows: [ReplicaObservation],
                                       statics: [StaticCandidate])

    private func startRound(urgent: Bool = false) {
        guard round == nil else {
            roundAgain = true
            roundAgainUrgent = roundAgainUrgent || urgent
            if urgent {
                // The round in flight stops waiting for a slow writer; the next one follows at once.
                round?.urgent = true
                decideIfComplete(patienceOver: false)
            }
            return
        }
        fastTimer?.cancel()
        fastTimer = nil
        // A round starts only once the one before it has decided: the loop is progressing. The
        // keep-alive here, and the one at the decision, bound the gap by the longer of a poll
        // interval and one round (CycleBudget) rather than their sum.
        if !dryRun { ServiceManager.notify(.watchdog) }
        round = Round(started: now, urgent: urgent)
        // An answer from a writer a reload has replaced ("channel closed") is no news about the
        // writer: it must not make the round run fail-static.
        let asked = writer
        writer.observe { [weak self, weak asked] outcome in
            guard let self, let asked, asked === self.writer else { return }
            self.writerAnswered(outcome)
        }
        round?.writerPending = writer.isBusy
        // Candidates known before the writer answers: its last rows, the static lists, and
        // every server still in a pool. New rows get their probes when the writer answers.
        let rows = (latestWriter.flatMap { try? $0.outcome.get() })
        probeBatch(endpoints(of: plans(for: rows)).union(trackedEndpoints()))
        if round?.writerPending == true {
            patienceTimer?.cancel()
            let timer = DispatchSource.makeTimerSource(queue: queue)
            timer.schedule(deadline: .now() + .milliseconds(patience(for: round)))
            timer.setEventHandler { [weak self] in self?.decideIfComplete(patienceOver: true) }
            patienceTimer = timer
            timer.resume()
        }
    }

    private func probeBatch(_ endpoints: Set<SocketEndpoint>) {
        guard var current = round else { return }
        let (allowed, left) = ProbeBudget.select(endpoints.union(current.probed), tracked: trackedEndpoints())
        if left > 0 && !probeBudgetWarned {
            logger.warning("\(left) candidate server(s) beyond \(ProbeBudget.maximumServers) are not probed (and cannot join)")
        }
        probeBudgetWarned = left > 0
        let fresh = allowed.subtracting(current.probed)
        guard !fresh.isEmpty || current.pendingBatches == 0 && current.probed.isEmpty else { return }
        current.probed.formUnion(fresh)
        current.pendingBatches += 1
        round = current
        prober.probe(fresh, now: now, patient: afterDecision != nil) { [weak self] answers in
            guard let self, self.round != nil else { return }
            self.round?.probes.merge(answers) { _, new in new }
            self.round?.pendingBatches -= 1
            self.decideIfComplete(patienceOver: false)
        }
    }

    private func writerAnswered(_ outcome: Result<WriterReport, PostgresError>) {
        latestWriter = (outcome, now)
        // A late answer (the round decided without it) serves the next round.
        guard round?.writerPending == true else { return }
        round?.writerPending = false
        round?.writerOutcome = outcome
        if case .success(let report) = outcome, !report.inRecovery {
            let plans = plans(for: report)
            round?.plans = plans
            probeBatch(endpoints(of: plans))
        }
        decideIfComplete(patienceOver: false)
    }

    private func decideIfComplete(patienceOver: Bool) {
        guard let current = round, current.pendingBatches == 0 else { return }
        if current.writerPending && !patienceOver && now - current.started < Double(patience(for: current)) / 1000 {
            return
        }
        patienceTimer?.cancel()
        patienceTimer = nil
        round = nil
        decide(writerOutcome: current.writerOutcome ?? staleWriterOutcome(), plans: current.plans, probes: current.probes,
               started: current.started)
        prober.keep(only: current.probed.union(trackedEndpoints()))
        if let afterDecision {
            self.afterDecision = nil
            afterDecision()
        }
        if roundAgain {
            let urgent = roundAgainUrgent
            roundAgain = false
            roundAgainUrgent = false
            queue.async { self.startRound(urgent: urgent) }
        } else if isSettling() {
            scheduleFastRound()
        }
    }

    /// How long a round's decision waits for the writer once the probes are in: the probe
    /// timeout, so a hung writer never holds back the probes' findings, and not at all in an
    /// urgent round. Until the writer has answered once (at start: adopted servers are known by
    /// address only, and their names and weights come from its rows), and for a single `once`
    /// round, its full timeout.
    private func patience(for round: Round?) -> Int {
        guard afterDecision == nil, latestWriter != nil else { return configuration.writer.timeout.milliseconds }
        return round?.urgent == true ? 0 : configuration.probeTimeout.milliseconds
    }

    /// The writer did not answer within the probe timeout: its last answer serves while it is
    /// recent; after that the pools run fail-static. Nil while its first answer is on its way.
    private func staleWriterOutcome() -> Result<WriterReport, PostgresError>? {
        guard let latestWriter else { return nil }
        let age = now - latestWriter.at
        if age <= Double(configuration.pollInterval.milliseconds + configuration.writer.timeout.milliseconds) / 1000 {
            return latestWriter.outcome
        }
        return .failure(PostgresError(code: .timedOut, message: "no answer from the writer for \(Int(age)) s"))
    }

    private func isSettling() -> Bool {
        configuration.virtualServices.contains { trackers[$0.name]?.isSettling(policy: $0.policy) == true }
    }

    private func scheduleFastRound() {
        guard fastTimer == nil, !dryRun else { return }
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + .milliseconds(configuration.fastPollInterval.milliseconds))
        timer.setEventHandler { [weak self] in
            self?.fastTimer = nil
            self?.startRound()
        }
        fastTimer = timer
        timer.resume()
    }

    /// Each service's candidates: the writer's rows and the static list, names resolved — all
    /// of the round's at once, the lookups waited for no longer than the probe timeout.
    private func plans(for report: WriterReport?) -> [CandidatePlan] {
        var names = Set<AddressResolver.Name>()
        for service in configuration.virtualServices {
            let family = service.service.key.family
            // Every row, whatever its state: a member whose row turns to catchup must still be
            // matched to its endpoint to leave through fall (the lookups are bounded anyway).
            for sender in report?.walSenders ?? [] {
                names.insert(AddressResolver.Name(name: candidateName(sender, service), family: family))
            }
            for name in service.staticRealServers { names.insert(AddressResolver.Name(name: name, family: family)) }
        }
        let addresses = resolver.addresses(of: names, within: .milliseconds(configuration.probeTimeout.milliseconds))
        return configuration.virtualServices.map { service in
            let family = service.service.key.family
            let rows = report.map { observations(of: $0, for: service, addresses: addresses) } ?? []
            let statics = service.staticRealServers.map {
                StaticCandidate(name: $0, address: addresses[AddressResolver.Name(name: $0, family: family)])
            }
            return (service, rows, statics)
        }
    }

    /// Where the candidates are probed.
    private func endpoints(of plans: [CandidatePlan]) -> Set<SocketEndpoint> {
        var endpoints = Set<SocketEndpoint>()
        for plan in plans {
            // An address no real server may have is refused by the pool, never probed: a probe
            // hands the password to whoever answers there.
            let listed = plan.service.listedAddresses
            for address in plan.rows.compactMap(\.address) + plan.statics.compactMap(\.address)
            where mayProbe(address, of: plan.service, listed: listed.contains(address)) {
                endpoints.insert(SocketEndpoint(address: address, port: plan.service.policy.realServerPort))
            }
        }
        return endpoints
    }

    /// Servers in a pool or draining: probed whatever the writer says.
    private func trackedEndpoints() -> Set<SocketEndpoint> {
        var endpoints = Set<SocketEndpoint>()
        for service in configuration.virtualServices {
            let listed = service.listedAddresses
            for server in trackers[service.name]?.servers.values ?? [:].values
            where server.status != .out && mayProbe(server.endpoint.address, of: service, listed: listed.contains(server.endpoint.address)) {
                endpoints.insert(server.endpoint)
            }
        }
        return endpoints
    }

    /// `listed`: one of the service's `listedAddresses`.
    private func mayProbe(_ address: IPAddress, of service: VirtualServiceConfiguration, listed: Bool) -> Bool {
        RealServerAddressProblem.check(address, virtualAddress: service.virtualAddress,
                                       allowedNetworks: listed ? nil : allowedNetworks(for: service),
                                       mixedFamilies: service.policy.forwarding == .tunnel) == nil
    }

    /// Where servers the writer's rows name may be: `allowed_networks`, or for a direct-routing
    /// service the director's own networks (no other server could take its packets), or
    /// anywhere for NAT and tunnels (routed; said once at start).
    private func allowedNetworks(for service: VirtualServiceConfiguration) -> [IPNetwork]? {
        configuration.allowedNetworks ?? (service.policy.forwarding == .directRoute ? connectedNetworks : nil)
    }

    /// One decision and reconciliation of every virtual service from a round's observations;
    /// `roundPlans` are the candidates already resolved from the round's own writer report.
    private func decide(writerOutcome: Result<WriterReport, PostgresError>?, plans roundPlans: [CandidatePlan]?,
                        probes: [SocketEndpoint: ReplicaProbe], started: Double) {
        defer {
            cycles += 1
            publishMetrics(lastCycleSeconds: now - started)
        }
        let report = writerView(writerOutcome)
        let (marks, marksUnreadable) = loadMaintenance()
        let plans = roundPlans ?? plans(for: report)
        cycleFailed = false
        // The kernel calls share one budget: a kernel that stops answering costs the cycle that
        // once, not the receive timeout per request; what is left waits for the next cycle.
        ipvs.timeBudget = .milliseconds(CycleBudget.kernelMilliseconds)
        defer { ipvs.timeBudget = nil }
        // One dump of the kernel's services per cycle serves every configured service.
        let kernelServices: [VirtualServiceKey: VirtualService]
        do {
            kernelServices = try listKernelServices()
        } catch {
            cycleFailed = true
            kernelErrors += 1
            logger.error("\(error)")
            reportToServiceManager()
            publishStatus()
            return
        }
        for (service, rows, statics) in plans {
            reconcile(service, current: kernelServices[service.service.key], rows: rows, writerAvailable: report != nil,
                      statics: statics, probes: probes, marks: marks, marksUnreadable: marksUnreadable,
                      primary: report?.serverAddress.flatMap { IPAddress($0) }, writerTimeline: report?.timeline)
        }
        timeoutKeeper.keep(ipvs, now: now, apply: !dryRun, logger: logger)
        syncDaemonKeeper.keep(ipvs, now: now, apply: !dryRun, logger: logger)
        if let checked = kernelSettingsCheckedAt, now - checked >= IPVSTimeoutKeeper.readInterval { checkKernelSettings() }
        checkIdleSessions()
        reportToServiceManager()
        publishStatus()
    }

    /// One dump of the kernel's services. ip_vs unloaded and loaded again registers its netlink
    /// family under a new id and the old one answers ENOENT: look it up again, retry once.
    private func listKernelServices() throws(IPVSError) -> [VirtualServiceKey: VirtualService] {
        let dump = { () throws(IPVSError) in
            Dictionary(try self.ipvs.services().map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        }
        do {
            return try dump()
        } catch where error.kind == .kernel(.noEntry) {
            guard try ipvs.resolveFamilyAgain() else { throw error }
            logger.warning("ip_vs was loaded again (its netlink family has a new id): rebuilding the table; its sysctls are back to the kernel's defaults until systemd-sysctl --prefix=/net/ipv4/vs runs")
            // A new module: its timeouts and sysctls are the kernel's defaults again.
            checkKernelSettings()
            timeoutKeeper.reconfigure(configuration.ipvs.timeouts)
            syncDaemonKeeper.reconfigure(configuration.ipvs.syncDaemons)
            return try dump()
        }
    }

    /// The node_exporter textfile, when metrics_file is set; written atomically.
    private func publishMetrics(lastCycleSeconds: Double) {
        guard let path = configuration.metricsFile, !dryRun else { return }
        let snapshot = MetricsSnapshot(
            writerUp: writerIsUp,
            pools: configuration.virtualServices.compactMap { service in
                summaries[service.name].map { (service.name, "\(service.service.key)", $0) }
            },
            lastCycleSeconds: lastCycleSeconds, cycles: cycles, kernelOperations: kernelOperations, kernelErrors: kernelErrors)
        do {
            try PublishedFile.write(snapshot.render(), to: path)
            metricsProblem = nil
        } catch {
            let problem = "cannot write the metrics file: \(error)"
            if problem != metricsProblem { logger.error("\(problem)") }
            metricsProblem = problem
        }
    }

    /// Writes the status file `pglvsd status` reads; failures are logged once.
    private var statusProblem: String?
    private func publishStatus() {
        if dryRun { return }
        let report = StatusReport(
            pid: getpid(), updatedAt: Date(), pollIntervalMilliseconds: configuration.pollInterval.milliseconds,
            ready: announcedReady,
            writer: .init(conninfo: (try? Conninfo.redacted(configuration.writer.conninfo)) ?? "(unparsable)",
                          reachable: writerIsUp, problem: writerProblem, address: lastWriterAddress),
            pools: configuration.virtualServices.compactMap { service in
                summaries[service.name].map {
                    StatusReport.pool(name: service.name, service: "\(service.service.key)", result: $0,
                                      minPool: service.policy.minPool, wallClock: wallClock)
                }
            })
        let path = StatusReport.path(runtimeDirectory: configuration.runtimeDirectory)
        do {
            try report.write(to: path)
            statusProblem = nil
        } catch {
            let problem = "cannot write \(path): \(error)"
            if problem != statusProblem { logger.error("\(problem)") }
            statusProblem = problem
        }
    }

    /// READY once the kernel first matches the decision, STATUS when the summary changes, and
    /// WATCHDOG every cycle: a wedged loop stops the keep-alives and systemd restarts it.
    private func reportToServiceManager() {
        if dryRun { return }
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
                    logger.info("ready after \(String(format: "%.2f", now)) s, every pool decided: \(status)")
                } else {
                    logger.warning("ready after the start-up wait of \(Int(startupWaitSeconds)) s, undecided: \(undecided.joined(separator: ", ")): \(status)")
                }
            }
        }
        ServiceManager.notify(states)
    }

    /// READY=1 (which `systemctl start` waits for) goes out once no server is still counting
    /// rise or fall, so that the start returning means reads flow; a server that keeps flapping
    /// holds it back no longer than this, well inside the unit's TimeoutStartSec (60 s).
    private var startupWaitSeconds: Double {
        let rise = configuration.virtualServices.map { max($0.policy.rise, $0.policy.fall) }.max() ?? 1
        let oneDecision = Double(configuration.writer.timeout.milliseconds + rise * configuration.pollInterval.milliseconds) / 1000
        return min(45, max(10, 2 * oneDecision))
    }

    /// `reader 2/3 serving; writer reachable`: one line for systemctl status.
    private func statusLine() -> String {
        let pools = configuration.virtualServices.map { service -> String in
            let members = summaries[service.name]?.members ?? []
            let serving = members.filter { $0.weight > 0 }.count
            return "\(service.name) \(serving)/\(members.count) serving"
        }
        let writer = writerIsUp ? "reachable" : writerProblem == nil ? "not answered yet" : "unreachable (fail-static)"
        return pools.joined(separator: ", ") + "; writer " + writer
            + (maintenanceProblem == nil ? "" : "; maintenance marks unreadable (no server joins)")
    }

    /// SIGHUP: the new file is validated first; an invalid one is rejected with its problems and
    /// the running configuration kept. Pools of services still configured keep their state.
    func reload(path: String) {
        queue.async {
            ServiceManager.notify(.reloading)
            // READY=1 here ends the reload; before the first READY it would end the start-up too.
            defer { ServiceManager.notify(self.announcedReady ? [.ready, .status(self.statusLine())] : [.status(self.statusLine())]) }
            let loaded: DaemonConfiguration
            do throws(ConfigurationError) {
                loaded = try ConfigFile.load(path: path)
            } catch {
                for problem in error.problems {
                    self.logger.error("reload rejected, keeping the running configuration: \(path): \(problem)")
                }
                return
            }
            self.apply(loaded)
            self.logger.info("reloaded \(path): \(loaded.virtualServices.count) virtual service(s)")
        }
    }

    private func apply(_ loaded: DaemonConfiguration) {
        let old = configuration
        configuration = loaded
        // A failed or empty read (an interface flapping) keeps what was known: it must not
        // refuse every server at once.
        let networks = ConnectedNetworks.read()
        if !networks.isEmpty { connectedNetworks = networks }
        logAllowedNetworks()
        checkWatchdog()
        checkKernelSettings()
        timeoutKeeper.reconfigure(loaded.ipvs.timeouts)
        syncDaemonKeeper.reconfigure(loaded.ipvs.syncDaemons)
        let loadedPassword = ReconcileLoop.readPassword(loaded, logger: logger)
        if loaded.writer != old.writer || loadedPassword != password {
            writer.close()
            writer = ReconcileLoop.makeWriter(loaded, password: loadedPassword, queue: queue)
            // A round waiting for the old writer would wait in vain.
            round?.writerPending = false
        }
        if loaded.replicaConninfo != old.replicaConninfo || loaded.writer != old.writer || loadedPassword != password
            || loaded.probeTimeout != old.probeTimeout || loaded.watchIdleProbes != old.watchIdleProbes
            || loaded.pollInterval != old.pollInterval {
            let replaced = prober
            prober = ReconcileLoop.makeProber(loaded, password: loadedPassword, queue: queue, logger: logger)
            // The prober reports a connection that stirred while idle (its postmaster died), and
            // the loop observes right away instead of at the next poll.
            prober.onStirred = { [weak self] in self?.stirred($0, farewell: $1) }
            replaced.close()
        }
        password = loadedPassword
        // Candidates resolved under the old configuration do not serve the new one.
        round?.plans = nil
        if loaded.stateDirectory != old.stateDirectory { maintenance = MaintenanceStore(stateDirectory: loaded.stateDirectory) }
        let kept = Dictionary(loaded.virtualServices.map { ($0.name, $0.service.key) }, uniquingKeysWith: { first, _ in first })
        for service in old.virtualServices where kept[service.name] != service.service.key {
            trackers[service.name] = nil
            summaries[service.name] = nil
            poolWarnings[service.name] = nil
            idleSessionWarnings[service.name] = nil
            logger.warning("\(service.name) (\(service.service.key)) is no longer configured; its kernel entries are left as they are")
        }
        if loaded.pollInterval != old.pollInterval { schedule() }
    }

    /// SIGTERM: by default the table stays (reads keep flowing while pglvsd restarts);
    /// with on_stop: remove the daemon's own services are deleted.
    func stop(completion: @escaping @Sendable () -> Void) {
        queue.async {
            ServiceManager.notify(.stopping)
            self.timer?.cancel()
            if self.configuration.onStop == .remove {
                for service in self.configuration.virtualServices {
                    do {
                        try self.ipvs.deleteService(service.service.key)
                        self.logger.info("on_stop remove: deleted \(service.service.key)")
                    } catch {
                        self.logger.error("on_stop remove: \(error)")
                    }
                }
            } else {
                self.logger.info("stopping; the IPVS table is left in place")
            }
            completion()
        }
    }

    /// The writer's report, or nil (fail-static) when no writer answers.
    /// The writer answered as a writer, and has not failed since.
    private var writerIsUp: Bool { writerProblem == nil && lastWriterAddress != nil }

    private func writerView(_ outcome: Result<WriterReport, PostgresError>?) -> WriterReport? {
        guard let outcome else { return nil }
        switch outcome {
        case .failure(let error):
            noteWriterProblem("writer unreachable: \(error.summary)" + (error.guardRemedy.map { " (\($0))" } ?? ""))
            return nil
        case .success(let report) where report.inRecovery:
            noteWriterProblem("the writer conninfo reaches a standby, not a writer")
            return nil
        case .success(let report):
            lastWriterAddress = report.serverAddress ?? "local"
            if writerProblem != nil {
                logger.info("writer reachable again", metadata: ["writer.address": "\(report.serverAddress ?? "local")"])
                writerProblem = nil
            }
            return report
        }
    }

    /// Fail-static: while no writer answers, each pool keeps its members unless their own probe
    /// fails, so reads keep working through a failover (the seed's agent emptied the pool here).
    private func noteWriterProblem(_ problem: String) {
        guard problem != writerProblem else { return }
        writerProblem = problem
        logger.warning("\(problem); keeping the read pools, minus servers whose own probe fails")
    }

    /// The operators' marks, or why they are unknown: a file that cannot be read at start
    /// (the store serves the last marks read after that) fails closed. Any server might be
    /// drained then, so none joins or returns until it can be read (PoolTracker); servers in
    /// the pool keep their place.
    private func loadMaintenance() -> (marks: [String: MaintenanceMode], unreadable: String?) {
        do {
            let marks = try maintenance.load()
            if maintenanceProblem != nil { logger.notice("\(maintenance.path) can be read: servers may join the pool again") }
            maintenanceProblem = nil
            return (marks, nil)
        } catch {
            let problem = "cannot read \(maintenance.path): \(error)"
            if problem != maintenanceProblem {
                logger.error("\(problem); no marks were ever read, so no server joins or returns to the pool until it can be read (it might be drained)")
            }
            maintenanceProblem = problem
            return ([:], "\(error)")
        }
    }

    /// What names a row's real server: its application_name, or the address it connected from.
    private func candidateName(_ sender: WalSender, _ service: VirtualServiceConfiguration) -> String {
        switch service.addressSource {
        case .applicationName: return sender.applicationName
        case .clientAddress: return sender.clientAddress ?? ""
        }
    }

    private func observations(of report: WriterReport, for service: VirtualServiceConfiguration,
                              addresses: [AddressResolver.Name: IPAddress]) -> [ReplicaObservation] {
        report.walSenders.map { sender in
            let name = candidateName(sender, service)
            return ReplicaObservation(name: name, address: addresses[AddressResolver.Name(name: name, family: service.service.key.family)],
                                      state: sender.state, syncState: sender.syncState,
                                      replayLagBytes: sender.replayLagBytes, replayLagSeconds: sender.replayLagSeconds)
        }
    }

    private func reconcile(_ configured: VirtualServiceConfiguration, current: VirtualService?,
                           rows: [ReplicaObservation], writerAvailable: Bool,
                           statics: [StaticCandidate], probes: [SocketEndpoint: ReplicaProbe],
                           marks: [String: MaintenanceMode], marksUnreadable: String?, primary: IPAddress?,
                           writerTimeline: Int?) {
        var serviceLogger = logger
        serviceLogger[metadataKey: "virtual_service"] = "\(configured.service.key)"
        do {
            let key = configured.service.key
            let destinations = current == nil ? [] : try ipvs.destinations(of: key)
            var tracker = trackers[configured.name] ?? PoolTracker(adopting: destinations, now: now)
            let input = CycleInput(
                now: now,
                writer: writerAvailable ? .reachable(rows) : .unavailable(writerProblem ?? "waiting for the writer's first answer"),
                probes: probes, staticCandidates: statics, discovery: configured.discovery,
                connections: Dictionary(destinations.compactMap { d in d.connections.map { (d.endpoint, $0) } },
                                        uniquingKeysWith: { first, _ in first }),
                maintenance: marks, maintenanceUnreadable: marksUnreadable,
                primary: primary.map { SocketEndpoint(address: $0, port: configured.policy.realServerPort) },
                virtualAddress: configured.virtualAddress, allowedNetworks: allowedNetworks(for: configured),
                writerTimeline: writerTimeline)
            let result = tracker.cycle(input, policy: configured.policy)
            trackers[configured.name] = tracker
            summaries[configured.name] = result
            let previousMembers = lastMembers[configured.name]
            lastMembers[configured.name] = result.members
            let explained = Set(result.transitions.map(\.endpoint))

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

            let operations = PoolReconciliation.plan(service: configured.service, members: result.members,
                                                     current: current, currentDestinations: destinations)
            for operation in operations {
                if dryRun {
                    planned.append((configured.name, operation))
                    continue
                }
                try apply(operation, to: key)
                kernelOperations += 1
                // One info line per pool change: a change a transition already announced is
                // debug; one needed while the decision stood still is drift, repaired.
                let metadata = operationMetadata(operation)
                if let endpoint = operation.realServer, explained.contains(endpoint) {
                    serviceLogger.debug("kernel: \(operation)", metadata: metadata)
                } else if previousMembers == result.members {
                    if burst.admits("drift repairs", "\(operation)") {
                        serviceLogger.warning("drift repaired (the kernel table was changed outside pglvsd): \(operation)",
                                              metadata: metadata)
                    }
                } else if burst.admits("kernel changes", "\(operation)") {
                    serviceLogger.info("kernel: \(operation)", metadata: metadata)
                }
            }
        } catch {
            kernelErrors += 1
            cycleFailed = true
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

    private func operationMetadata(_ operation: PoolOperation) -> Logger.Metadata {
        switch operation {
        case .addRealServer(let destination, let name), .editRealServer(let destination, let name, _):
            return ["real_server": "\(destination.endpoint)", "real_server.name": "\(name)", "weight": "\(destination.weight)"]
        case .removeRealServer(let endpoint):
            return ["real_server": "\(endpoint)"]
        case .addService, .editService:
            return [:]
        }
    }

    /// Logs a pool warning (below min_pool, no fallback) when it starts or its text changes, and
    /// once when it clears: a director whose writer is away for minutes logs two lines, not one
    /// per round. `pglvsd status` and the metrics show a warning for as long as it holds.
    private func logWarningChanges(_ service: String, _ warnings: [String], _ serviceLogger: Logger) {
        let (raised, cleared) = poolWarnings[service, default: StandingProblems()].update(warnings)
        for warning in raised { serviceLogger.warning("\(warning)") }
        for warning in cleared { serviceLogger.info("pool warning cleared: \(warning)") }
    }

    /// Warns, once per change, about pool members whose keepalives come later than IPVS's tcp
    /// timeout: their clients' idle sessions are silently dropped (IdleSessionCheck).
    private func checkIdleSessions() {
        knownKeepalives.merge(prober.keepalives) { _, new in new }
        guard let tcpTimeout = timeoutKeeper.kernel?.tcp else { return }
        var members = Set<SocketEndpoint>()
        for configured in configuration.virtualServices where IdleSessionCheck.appliesTo(configured.service.key) {
            let pool = summaries[configured.name]?.members ?? []
            members.formUnion(pool.map(\.endpoint))
            let servers = pool.compactMap { member in knownKeepalives[member.endpoint].map { (name: member.name, keepalive: $0) } }
            let shown: String
            if case .endpoint(_, let endpoint) = configured.service.key { shown = "\(endpoint)" } else { shown = "\(configured.service.key)" }
            let warnings = IdleSessionCheck.warnings(service: shown, tcpTimeoutSeconds: tcpTimeout, servers: servers)
            // A warned server that left the pool is not judged, and its warning stands unannounced.
            let judged = servers.map { "\($0.name): " }
            let (raised, cleared) = idleSessionWarnings[configured.name, default: StandingProblems()]
                .update(warnings) { warning in !judged.contains { warning.hasPrefix($0) } }
            var serviceLogger = logger
            serviceLogger[metadataKey: "virtual_service"] = "\(configured.service.key)"
            for warning in raised { serviceLogger.warning("\(warning)") }
            for warning in cleared { serviceLogger.info("no longer: \(warning)") }
        }
        knownKeepalives = knownKeepalives.filter { members.contains($0.key) }
    }

    /// Logs, once per change, each IPVS sysctl whose value defeats a removal or a drain, with
    /// what it does (KernelSettingsCheck); at start, on reload and every 10 s.
    /// Settings it cannot read are one notice, not a warning each: a sandbox with ProcSubset=pid
    /// hides /proc/sys (the shipped unit has none), and without ip_vs the daemon would not run.
    private func checkKernelSettings() {
        kernelSettingsCheckedAt = now
        let persistent = configuration.virtualServices.contains { $0.service.flags.contains(.persistent) }
        let syncMaster = configuration.ipvs.syncDaemons?.contains { $0.role == .master } ?? false
        let findings = KernelSettingsCheck.findings(KernelSettingsReading.read(), persistentService: persistent,
                                                    syncMaster: syncMaster)
        let (raised, cleared) = kernelSettingProblems.update(findings.filter { !$0.isOK && $0.isReadable }.map(\.description))
        for problem in raised { logger.warning("kernel setting: \(problem)") }
        for problem in cleared { logger.info("kernel setting right now, was: \(problem)") }
        let unreadable = findings.filter { !$0.isReadable }.map(\.setting)
        if !unreadable.isEmpty && !kernelSettingsUnreadable {
            logger.notice("cannot read \(unreadable.joined(separator: ", ")) here (a sandbox such as ProcSubset=pid hides /proc/sys): `pglvsd check-config --kernel` checks them")
        }
        kernelSettingsUnreadable = !unreadable.isEmpty
    }

    /// Logs an exclusion when it starts or its reason changes, not every cycle.
    private func logExclusionChanges(_ service: String, _ exclusions: [Exclusion], _ serviceLogger: Logger,
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
