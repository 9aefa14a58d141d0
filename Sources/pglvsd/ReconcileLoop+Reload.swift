import Configuration
import RoundCore
import Dispatch
import Systemd

/// SIGHUP and SIGTERM: a new configuration taken in between rounds, and the stop.
extension ReconcileLoop {
    /// SIGHUP: the new file is validated first; an invalid one is rejected with its problems and
    /// the running configuration kept. Pools of services still configured keep their state.
    func reload(path: String) {
        queue.async {
            dispatchPrecondition(condition: .onQueue(self.queue))
            guard !self.stopping else { return }
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

    func apply(_ loaded: DaemonConfiguration) {
        dispatchPrecondition(condition: .onQueue(queue))
        let old = configuration
        configuration = loaded
        roundSchedule.timing = ReconcileLoop.timing(loaded)
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
        let change = ConfigurationChange(from: old, password: password, to: loaded, password: loadedPassword)
        if change.reconnectsWriter {
            writer.close()
            writer = ReconcileLoop.makeWriter(loaded, password: loadedPassword, queue: queue)
            // A round waiting for the old writer would wait in vain: once this reload is
            // applied, it decides if its probes are in.
            roundSchedule.writerReplaced()
            queue.async { [weak self] in
                guard let self else { return }
                self.follow(self.roundSchedule.step(at: .now))
            }
        }
        if change.reconnectsProbes {
            let replaced = prober
            prober = ReconcileLoop.makeProber(loaded, password: loadedPassword, queue: queue, logger: logger)
            observeWhenStirred(prober)
            replaced.close()
        }
        password = loadedPassword
        prober.readsDownstreams = loaded.cascades
        // Candidates resolved under the old configuration do not serve the new one.
        round?.plans = nil
        cascadeEndpoints = []
        if change.movesMaintenanceMarks { maintenance = MaintenanceStore(stateDirectory: loaded.stateDirectory) }
        for service in change.droppedServices {
            decider.forget(service.name)
            poolKeeper.forget(service.name)
            idleSessionWarnings[service.name] = nil
            logger.warning("\(service.name) (\(service.service.key)) is no longer configured; its kernel entries are left as they are")
        }
        // Services new or re-keyed by this reload probe what the kernel holds for them from
        // their first round, as at start (a service with a tracker goes by its tracker).
        noteAdoptedEndpoints()
        if change.reschedulesRounds { schedule() }
    }

    /// How long a stop waits for the files' last writes: well inside the unit's TimeoutStopSec (5 s).
    static let flushLimit = Duration.seconds(2)

    /// SIGTERM: by default the table stays (reads keep flowing while pglvsd restarts);
    /// with on_stop: remove the daemon's own services are deleted. The last round's status and
    /// metrics files are written before `completion`, unless the filesystem hangs.
    func stop(completion: @escaping @Sendable () -> Void) {
        queue.async {
            dispatchPrecondition(condition: .onQueue(self.queue))
            // A second signal while the first one's files are written: that one ends the process.
            guard !self.stopping else { return }
            self.stopping = true
            ServiceManager.notify(.stopping)
            // No round starts or decides from here (see `stopping`): the timers go, and the
            // round in flight is dropped.
            for timer in [self.timer, self.fastTimer, self.patienceTimer] { timer?.cancel() }
            self.round = nil
            if self.configuration.onStop == .remove {
                for service in self.configuration.virtualServices {
                    do {
                        try self.table.deleteService(service.service.key)
                        self.logger.info("on_stop remove: deleted \(service.service.key)")
                    } catch {
                        self.logger.error("on_stop remove: \(error)")
                    }
                }
            } else {
                self.logger.info("stopping; the IPVS table is left in place")
            }
            let logger = self.logger
            self.publisher.flush(waitingAtMost: ReconcileLoop.flushLimit) { flushed in
                if !flushed {
                    logger.warning("stopping without the last status and metrics files: their writes did not end within \(ReconcileLoop.flushLimit)")
                }
                completion()
            }
        }
    }
}
