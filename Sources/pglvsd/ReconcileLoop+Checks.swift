import Configuration
import LVSModel
import PoolCore
import Postgres
import RoundCore
import Systemd

/// Settings that defeat the daemon without breaking it, each said once when it starts and once
/// when it ends: the watchdog interval, libpq's password exposure, IPVS sysctls, idle sessions
/// against IPVS's tcp timeout.
extension ReconcileLoop {
    /// A WatchdogSec shorter than this configuration's longest gap between keep-alives (plus a
    /// second for the decision's own work) can restart a daemon that is only slow: say so.
    func checkWatchdog() {
        guard let microseconds = ServiceManager.watchdogIntervalMicroseconds else { return }
        let needed = CycleBudget.longestWatchdogGapMilliseconds(configuration) + 1000
        if Int(clamping: microseconds / 1000) < needed {
            logger.warning("the service manager's watchdog (\(microseconds / 1000)ms) is shorter than the \(needed)ms this configuration may take between keep-alives; raise WatchdogSec or lower the timeouts")
        }
    }

    /// Once per start: how this libpq keeps the password from a server that asks for it in clear
    /// text, what that demands of the servers, and a conninfo that turned the guard off.
    func logPasswordExposure() {
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

    /// Warns, once per change, about pool members whose keepalives come later than IPVS's tcp
    /// timeout: their clients' idle sessions are silently dropped (IdleSessionCheck).
    func checkIdleSessions() {
        knownKeepalives.merge(prober.keepalives) { _, new in new }
        guard let tcpTimeout = timeoutKeeper.kernel?.tcp else { return }
        var members = Set<SocketEndpoint>()
        // One warning per server and service: hundreds of servers in several services would
        // flood the journal at start (2,400 lines in the scaling run), so past 20 a count.
        var burst = LogBurstLimit()
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
            for warning in raised where burst.admits("idle-session warnings", warning) { serviceLogger.warning("\(warning)") }
            for warning in cleared where burst.admits("idle-session warnings ending", "no longer: \(warning)") {
                serviceLogger.info("no longer: \(warning)")
            }
        }
        logger.log(burst.summary())
        knownKeepalives = knownKeepalives.filter { members.contains($0.key) }
    }

    /// Logs, once per change, each IPVS sysctl whose value defeats a removal or a drain, with
    /// what it does (KernelSettingsCheck); at start, on reload and every 10 s.
    /// Settings it cannot read are one notice, not a warning each: a sandbox with ProcSubset=pid
    /// hides /proc/sys (the shipped unit has none), and without ip_vs the daemon would not run.
    func checkKernelSettings() {
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
}
