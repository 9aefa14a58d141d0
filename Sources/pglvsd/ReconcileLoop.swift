import Configuration
import Dispatch
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
import IPVS
import LVSModel
import Logging
import PoolCore
import Postgres
import RoundCore
import Systemd

/// The daemon's loop, the driver: every poll interval, ask the writer and the replicas, hand
/// what the round saw to the pure `RoundDecider` (RoundCore), apply its kernel steps and log
/// its lines. All state lives on one serial queue.
///
/// Its jobs are one file each: the round (`+Round`), the candidates (`+Candidates`,
/// `+Cascade`), gathering and applying the decision (`+Decision`), what it publishes
/// (`+Publishing`), reload and stop (`+Reload`), settings it warns about (`+Checks`); the
/// kernel steps go through `IPVSPoolKeeper`, and a reload's diff is a `ConfigurationChange`.
///
/// Confined to `queue`, asserted by dispatchPrecondition.
final class ReconcileLoop: @unchecked Sendable {
    var configuration: DaemonConfiguration
    let logger: Logger
    let queue = DispatchQueue(label: "pglvsd.reconcile")
    var writer: WriterObserver
    var prober: ReplicaProber
    /// The password from writer.password_file, for the writer and the probes.
    var password: String?
    /// What the observation round in flight has gathered, if one is.
    var round: Round?
    /// When rounds start and decide, and what follows (rounds never overlap).
    var roundSchedule: RoundSchedule
    /// The writer's last answer and when it came, for rounds that end before it answers.
    var latestWriter: (outcome: Result<WriterReport, PostgresError>, at: Double)?
    /// Rounds sooner than the poll interval while a server is counting rise or fall.
    var fastTimer: DispatchSourceTimer?
    /// Waits for the end of a round before deciding without a slow writer.
    var patienceTimer: DispatchSourceTimer?
    /// Called once after the next decision (for `pglvsd once`).
    var afterDecision: (() -> Void)?
    var maintenance: MaintenanceStore
    let resolver = AddressResolver()
    /// Whether the warning that candidates exceed the probe budget stands (logged once).
    var probeBudgetWarned = false
    /// SIGTERM or SIGINT was taken: no round starts or decides any more (a decision after an
    /// `on_stop: remove` would put the deleted services back while the last files are written).
    var stopping = false
    /// The real servers the kernel held at start, per service, until its first decision adopts them.
    var adoptedEndpoints: [String: Set<SocketEndpoint>] = [:]
    /// Where the last decision's cascaded rows pointed: probed from the start of the next round.
    var cascadeEndpoints = Set<SocketEndpoint>()
    /// The director's networks (for direct-routing services without allowed_networks).
    var connectedNetworks = ConnectedNetworks.read()
    /// Keeps the pools' entries in the IPVS table: the kernel's, or in a dry run a copy of it
    /// that records the changes instead.
    let poolKeeper: IPVSPoolKeeper
    var table: any IPVSTable { poolKeeper.table }
    let started = ContinuousClock.now
    var timer: DispatchSourceTimer?
    /// Decides each round from what it observed, and remembers what deciding needs (the
    /// pools' trackers, the writer's health, what was last said).
    var decider = RoundDecider()
    var trackers: [String: PoolTracker] { decider.trackers }
    /// READY=1 goes out after the first cycle that reconciled every service with every pool
    /// decided (see `startupWaitSeconds`).
    var announcedReady = false
    var lastStatus = ""
    /// Each service's pool after the last cycle, for STATUS and `pglvsd status`.
    var summaries: [String: CycleResult] { decider.results }
    /// Per service, the idle-session warnings standing now.
    var idleSessionWarnings: [String: StandingProblems] = [:]
    /// Each probed server's keepalive timing, kept while its probe reconnects.
    var knownKeepalives: [SocketEndpoint: ServerKeepalive] = [:]
    /// IPVS sysctls whose value defeats a removal or a drain.
    var kernelSettingProblems = StandingProblems()
    var kernelSettingsUnreadable = false
    /// When the IPVS sysctls were last read: again every 10 s, so a value set right (or wrong)
    /// later, or put back by systemd-sysctl after ip_vs was loaded again, is seen.
    var kernelSettingsCheckedAt: Double?
    let timeoutKeeper: IPVSTimeoutKeeper
    let syncDaemonKeeper: SyncDaemonKeeper
    var cycleFailed = false
    var cycles = 0
    var kernelErrors = 0
    /// Tells the outside what each round decided (sd_notify, the status and metrics files),
    /// off the loop's queue.
    var publisher: any Publisher = SilentPublisher()

    /// A dry run (`pglvsd once --dry-run`) changes nothing outside the process: its table
    /// records the kernel changes (`RecordingIPVSTable`), its publisher says nothing (no status
    /// or metrics file, no sd_notify), and it starts no round of its own.
    let dryRun: Bool

    /// - Parameter table: the kernel's IPVS table (`IPVSClient`), or one that records changes.
    init(configuration: DaemonConfiguration, logger: Logger, table: any IPVSTable, dryRun: Bool = false) {
        self.dryRun = dryRun
        self.configuration = configuration
        roundSchedule = RoundSchedule(timing: ReconcileLoop.timing(configuration), dryRun: dryRun)
        self.logger = logger
        password = ReconcileLoop.readPassword(configuration, logger: logger)
        writer = ReconcileLoop.makeWriter(configuration, password: password, queue: queue)
        prober = ReconcileLoop.makeProber(configuration, password: password, queue: queue, logger: logger)
        self.maintenance = MaintenanceStore(stateDirectory: configuration.stateDirectory)
        poolKeeper = IPVSPoolKeeper(table: table)
        timeoutKeeper = IPVSTimeoutKeeper(settings: configuration.ipvs.timeouts)
        syncDaemonKeeper = SyncDaemonKeeper(wanted: configuration.ipvs.syncDaemons)
        observeWhenStirred(prober)
        if !dryRun {
            publisher = LivePublisher(reportingOn: queue) { [weak self] in self?.published($0) }
        }
    }

    /// The prober reports a connection that stirred while idle (its postmaster died), and the
    /// loop observes right away instead of at the next poll.
    func observeWhenStirred(_ prober: ReplicaProber) {
        prober.onStirred = { [weak self] in self?.stirred($0, farewell: $1) }
    }

    /// Something arrived on an idle probe connection: its server is going away. Observe now.
    func stirred(_ endpoint: SocketEndpoint, farewell: String?) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !dryRun else { return }
        let said = farewell.map { ": \($0)" } ?? " (server going away?)"
        // A server kept connected only because it left a pool lately: no pool waits on it.
        if departedEndpoints().contains(endpoint) && !trackedEndpoints().contains(endpoint) {
            return logger.debug("probe connection to \(endpoint) (left a pool lately) stirred while idle\(said)",
                                metadata: ["real_server": "\(endpoint)"])
        }
        logger.info("probe connection to \(endpoint) stirred while idle\(said); observing now",
                    metadata: ["real_server": "\(endpoint)"])
        startRound(urgent: true)
    }

    /// The configured times the round's schedule reads.
    static func timing(_ configuration: DaemonConfiguration) -> RoundSchedule.Timing {
        RoundSchedule.Timing(writerTimeout: .milliseconds(configuration.writer.timeout.milliseconds),
                             probeTimeout: .milliseconds(configuration.probeTimeout.milliseconds),
                             fastPollInterval: .milliseconds(configuration.fastPollInterval.milliseconds))
    }

    static func readPassword(_ configuration: DaemonConfiguration, logger: Logger) -> String? {
        guard let path = configuration.writer.passwordFile else { return nil }
        switch ConfigFile.password(path) {
        case .success(let password): return password
        case .failure(let failure):
            logger.error("writer.password_file: \(path): \(failure); connecting without it")
            return nil
        }
    }

    static func makeWriter(_ configuration: DaemonConfiguration, password: String?, queue: DispatchQueue) -> WriterObserver {
        WriterObserver(conninfo: configuration.writer.conninfo, password: password,
                       timeoutMilliseconds: configuration.writer.timeout.milliseconds, queue: queue)
    }

    static func makeProber(_ configuration: DaemonConfiguration, password: String?, queue: DispatchQueue,
                           logger: Logger) -> ReplicaProber {
        let prober = ReplicaProber(conninfo: configuration.replicaConninfo ?? configuration.writer.conninfo, password: password,
                                   timeoutMilliseconds: configuration.probeTimeout.milliseconds,
                                   watchIdle: configuration.watchIdleProbes,
                                   maximumBackoffSeconds: max(Double(configuration.pollInterval.milliseconds) / 1000, 1),
                                   queue: queue, logger: logger)
        prober.readsDownstreams = configuration.cascades
        return prober
    }

    func start() {
        queue.async {
            dispatchPrecondition(condition: .onQueue(self.queue))
            self.logAllowedNetworks()
            self.logPasswordExposure()
            self.checkWatchdog()
            self.checkKernelSettings()
            self.noteAdoptedEndpoints()
            self.schedule()
        }
    }

    /// One round, now, waited for on the caller's thread (for `pglvsd once`), its files
    /// written; returns each pool's result.
    func runOnce() -> [String: CycleResult] {
        let decided = DispatchSemaphore(value: 0)
        queue.async {
            dispatchPrecondition(condition: .onQueue(self.queue))
            self.afterDecision = { decided.signal() }
            self.startRound()
        }
        decided.wait()
        // The process ends right after: its status and metrics files must be on disk first.
        let written = DispatchSemaphore(value: 0)
        queue.sync { publisher }.flush(waitingAtMost: ReconcileLoop.flushLimit) { _ in written.signal() }
        written.wait()
        return queue.sync { summaries }
    }

    func schedule() {
        dispatchPrecondition(condition: .onQueue(queue))
        timer?.cancel()
        let timer = DispatchSource.makeTimerSource(queue: queue)
        let interval = configuration.pollInterval.milliseconds
        timer.schedule(deadline: .now(), repeating: .milliseconds(interval), leeway: .milliseconds(interval / 20))
        timer.setEventHandler { [weak self] in self?.startRound() }
        self.timer = timer
        timer.resume()
    }

    /// A monotonic reading of `now` as a date (for status output only).
    func wallClock(_ monotonic: Double) -> Date {
        Date(timeIntervalSinceNow: monotonic - now)
    }

    var now: Double {
        (ContinuousClock.now - started).seconds
    }
}
