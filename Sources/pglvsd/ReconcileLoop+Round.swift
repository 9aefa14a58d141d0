import Configuration
import Dispatch
import LVSModel
import PoolCore
import Postgres
import Systemd

/// The round: the writer and the probes asked at once, and the decision taken when they have
/// answered (or the writer's patience is over); urgent rounds and faster rounds while servers
/// count rise or fall.
extension ReconcileLoop {
    /// One observation round: the writer and every candidate's probe at once, each bounded by
    /// its own timeout. The decision waits for all probes, and for the writer no longer than
    /// the probe timeout: a hung writer VIP never holds back what the probes found.
    struct Round {
        var started: Double
        var probed: Set<SocketEndpoint> = []
        var probes: [SocketEndpoint: ReplicaProbe] = [:]
        /// The answers behind the probes that succeeded (what cascade discovery reads).
        var statuses: [SocketEndpoint: ReplicaStatus] = [:]
        var pendingBatches = 0
        /// Standbys named only by other standbys, probed after every other candidate.
        var cascadeOnly: Set<SocketEndpoint> = []
        /// This round has probed the standbys its first answers named.
        var cascadeProbed = false
        var writerPending = false
        var writerOutcome: Result<WriterReport, PostgresError>?
        /// Started because a probe connection stirred: what the probes find is applied as soon
        /// as they answer, with the writer's last answer, rather than after the writer's.
        var urgent = false
        /// Each service's candidates from this round's writer report, resolved once.
        var plans: [ServiceCandidates]?
    }

    /// One service's candidates: the writer's rows and the static list, with their addresses.
    typealias ServiceCandidates = (service: VirtualServiceConfiguration, rows: [ReplicaObservation],
                                       statics: [StaticCandidate])

    func startRound(urgent: Bool = false) {
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
        probeBatch(endpoints(of: plans(for: rows)).union(trackedEndpoints()).union(cascadeEndpoints), last: cascadeEndpoints)
        if round?.writerPending == true {
            patienceTimer?.cancel()
            let timer = DispatchSource.makeTimerSource(queue: queue)
            timer.schedule(deadline: .now() + .milliseconds(patience(for: round)))
            timer.setEventHandler { [weak self] in self?.decideIfComplete(patienceOver: true) }
            patienceTimer = timer
            timer.resume()
        }
    }

    /// - Parameter last: those named only by standbys (cascade), after the others in the budget.
    func probeBatch(_ endpoints: Set<SocketEndpoint>, last: Set<SocketEndpoint> = []) {
        guard var current = round else { return }
        current.cascadeOnly.formUnion(last)
        let (allowed, left) = ProbeBudget.select(endpoints.union(current.probed), tracked: trackedEndpoints(),
                                                 last: current.cascadeOnly)
        if left > 0 && !probeBudgetWarned {
            logger.warning("\(left) candidate server(s) beyond \(ProbeBudget.maximumServers) are not probed (and cannot join)")
        }
        probeBudgetWarned = left > 0
        let fresh = allowed.subtracting(current.probed)
        guard !fresh.isEmpty || current.pendingBatches == 0 && current.probed.isEmpty else { return }
        current.probed.formUnion(fresh)
        current.pendingBatches += 1
        round = current
        let asked = prober
        asked.probe(fresh, now: now, patient: afterDecision != nil) { [weak self, weak asked] answers in
            guard let self, self.round != nil else { return }
            self.round?.probes.merge(answers) { _, new in new }
            let statuses = asked?.statuses ?? [:]
            for (endpoint, probe) in answers {
                if case .standby = probe { self.round?.statuses[endpoint] = statuses[endpoint] }
            }
            self.round?.pendingBatches -= 1
            // Standbys streaming from the first ones that answered are probed in this same round
            // (once: the next level waits for the next round, so names are looked up at most twice).
            if self.cascades, let round = self.round, !round.cascadeProbed {
                self.round?.cascadeProbed = true
                let named = self.endpoints(of: self.cascade(probes: answers, statuses: round.statuses, writerPosition: nil))
                self.probeBatch(named, last: named)
            }
            self.decideIfComplete(patienceOver: false)
        }
    }

    func writerAnswered(_ outcome: Result<WriterReport, PostgresError>) {
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

    func decideIfComplete(patienceOver: Bool) {
        guard let current = round, current.pendingBatches == 0 else { return }
        if current.writerPending && !patienceOver && now - current.started < Double(patience(for: current)) / 1000 {
            return
        }
        patienceTimer?.cancel()
        patienceTimer = nil
        round = nil
        decide(freshWriter: current.writerOutcome, plans: current.plans, probes: current.probes, statuses: current.statuses, started: current.started)
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
    func patience(for round: Round?) -> Int {
        guard afterDecision == nil, latestWriter != nil else { return configuration.writer.timeout.milliseconds }
        return round?.urgent == true ? 0 : configuration.probeTimeout.milliseconds
    }

    func isSettling() -> Bool {
        configuration.virtualServices.contains { trackers[$0.name]?.isSettling(policy: $0.policy) == true }
    }

    func scheduleFastRound() {
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
}
