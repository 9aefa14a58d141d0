import Configuration
import LVSModel
import PoolCore
import Postgres
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

    /// Once per start: the residual trust an operator must know about.
    func logPasswordExposure() {
        guard !LibPQ.canRefusePasswordInClear else { return }
        logger.notice("libpq \(LibPQ.version / 10000).\(LibPQ.version % 10000) cannot refuse a server that asks for the password in clear text (require_auth needs libpq 16): where hosts on the allowed networks are not trusted, give the writer and the probes TLS with sslmode=verify-full")
    }

    /// Warns, once per change, about pool members whose keepalives come later than IPVS's tcp
    /// timeout: their clients' idle sessions are silently dropped (IdleSessionCheck).
    func checkIdleSessions() {
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
    /// Settings it cannot read are one notice, not a warning each: the shipped unit's
    /// ProcSubset=pid hides /proc/sys from the daemon (and without ip_vs it would not run).
    func checkKernelSettings() {
        kernelSettingsCheckedAt = now
        let persistent = configuration.virtualServices.contains { $0.service.flags.contains(.persistent) }
        let findings = KernelSettingsCheck.findings(KernelSettingsReading.read(), persistentService: persistent)
        let (raised, cleared) = kernelSettingProblems.update(findings.filter { !$0.isOK && $0.isReadable }.map(\.description))
        for problem in raised { logger.warning("kernel setting: \(problem)") }
        for problem in cleared { logger.info("kernel setting right now, was: \(problem)") }
        let unreadable = findings.filter { !$0.isReadable }.map(\.setting)
        if !unreadable.isEmpty && !kernelSettingsUnreadable {
            logger.notice("cannot read \(unreadable.joined(separator: ", ")) here (under pglvsd.service, ProcSubset=pid hides /proc/sys): `pglvsd check-config --kernel` checks them")
        }
        kernelSettingsUnreadable = !unreadable.isEmpty
    }
}
