import Configuration
import Dispatch
import LVSModel
import PoolCore
import Postgres
import RoundCore
import Systemd

/// The round, driven: the writer and the probes asked at once, the timers armed, and the
/// decision taken when the `RoundSchedule` (RoundCore) says so — it rules on patience, urgent
/// rounds, the next round and fast rounds; this file keeps the timers and the I/O.
extension ReconcileLoop {
    /// What one observation round gathered: the writer and every candidate's probe at once,
    /// each bounded by its own timeout. When it decides is the schedule's.
    struct Round {
        var probed: Set<SocketEndpoint> = []
        var probes: [SocketEndpoint: ReplicaProbe] = [:]
        /// The answers behind the probes that succeeded (what cascade discovery reads).
        var statuses: [SocketEndpoint: ReplicaStatus] = [:]
        /// Standbys named only by other standbys, probed after every other candidate.
        var cascadeOnly: Set<SocketEndpoint> = []
        /// This round has probed the standbys its first answers named.
        var cascadeProbed = false
        var writerOutcome: Result<WriterReport, PostgresError>?
        /// Each service's candidates from this round's writer report, made once its rows'
        /// names were looked up.
        var plans: [ServiceCandidates]?
    }

    /// One service's candidates: the writer's rows and the static list, with their addresses.
    typealias ServiceCandidates = (service: VirtualServiceConfiguration, rows: [ReplicaObservation],
                                       statics: [StaticCandidate])

    func startRound(urgent: Bool = false) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !stopping else { return }
        switch roundSchedule.start(at: .now, urgent: urgent, once: afterDecision != nil) {
        case .queued: return
        case .hurried(let step):
            // The round in flight stops waiting for a slow writer; the next one follows at once.
            return follow(step)
        case .begin: break
        }
        fastTimer?.cancel()
        fastTimer = nil
        // A round starts only once the one before it has decided: the loop is progressing. The
        // keep-alive here, and the one at the decision, bound the gap by the longer of a poll
        // interval and one round (CycleBudget) rather than their sum.
        if !dryRun { ServiceManager.notify(.watchdog) }
        round = Round()
        // An answer from a writer a reload has replaced ("channel closed") is no news about the
        // writer: it must not make the round run fail-static.
        let asked = writer
        writer.observe { [weak self, weak asked] outcome in
            guard let self, let asked, asked === self.writer else { return }
            self.writerAnswered(outcome)
        }
        let patienceEnds = roundSchedule.askedWriter(stillRunning: writer.isBusy)
        // Candidates known before the writer answers: its last rows, the static lists, and
        // every server still in a pool, with the addresses known now (never waited for here).
        // New rows get their probes when the writer answers.
        let rows = (latestWriter.flatMap { try? $0.outcome.get() })
        probeBatch(endpoints(of: plans(for: rows)).union(trackedEndpoints()).union(cascadeEndpoints), last: cascadeEndpoints)
        prober.warm(departedEndpoints().subtracting(round?.probed ?? []), now: now)
        // Armed only while this round still waits (a batch that answered at once could have
        // let it decide already; a timer left armed would end the next round's wait early).
        if let patienceEnds, round != nil, roundSchedule.round != nil {
            patienceTimer?.cancel()
            let timer = DispatchSource.makeTimerSource(queue: queue)
            timer.schedule(deadline: .now() + (patienceEnds - .now).dispatchInterval)
            timer.setEventHandler { [weak self] in
                guard let self else { return }
                self.follow(self.roundSchedule.step(at: .now, patienceOver: true))
            }
            patienceTimer = timer
            timer.resume()
        }
    }

    /// - Parameter last: those named only by standbys (cascade), after the others in the budget.
    func probeBatch(_ endpoints: Set<SocketEndpoint>, last: Set<SocketEndpoint> = []) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard var current = round else { return }
        current.cascadeOnly.formUnion(last)
        // Once per batch: a walk over every pool's servers (a cost that grows with them).
        let tracked = trackedEndpoints()
        let (allowed, left) = ProbeBudget.select(endpoints.union(current.probed), tracked: tracked,
                                                 last: current.cascadeOnly)
        if left > 0 && !probeBudgetWarned {
            logger.warning("\(left) candidate server(s) beyond \(ProbeBudget.maximumServers) are not probed (and cannot join)")
        }
        probeBudgetWarned = left > 0
        let fresh = allowed.subtracting(current.probed)
        guard roundSchedule.askedProbeBatch(fresh: fresh.count) else { return }
        current.probed.formUnion(fresh)
        round = current
        let asked = prober
        asked.probe(fresh, tracked: tracked, now: now, patient: afterDecision != nil) { [weak self, weak asked] answers in
            guard let self, self.round != nil else { return }
            self.round?.probes.merge(answers) { _, new in new }
            let statuses = asked?.statuses ?? [:]
            for (endpoint, probe) in answers {
                if case .standby = probe { self.round?.statuses[endpoint] = statuses[endpoint] }
            }
            self.roundSchedule.probeBatchAnswered()
            // Standbys streaming from the first ones that answered are probed in this same round
            // (once: the next level waits for the next round, so names are looked up at most twice).
            if self.cascades, let round = self.round, !round.cascadeProbed {
                self.round?.cascadeProbed = true
                let named = self.endpoints(of: self.cascade(probes: answers, statuses: round.statuses, writerPosition: nil))
                self.probeBatch(named, last: named)
            }
            self.follow(self.roundSchedule.step(at: .now))
        }
    }

    func writerAnswered(_ outcome: Result<WriterReport, PostgresError>) {
        dispatchPrecondition(condition: .onQueue(queue))
        latestWriter = (outcome, now)
        // A late answer (the round decided without it) serves the next round.
        guard roundSchedule.writerAnswered() else { return }
        round?.writerOutcome = outcome
        // Its rows' names are looked up off the queue; the round waits for them (no longer than
        // the probe timeout) so a new replica is probed in the round its row first appears.
        if case .success(let report) = outcome, !report.inRecovery, let asked = roundSchedule.askedLookups() {
            resolver.resolve(lookupNames(for: report), within: .milliseconds(configuration.probeTimeout.milliseconds),
                             on: queue) { [weak self] _ in
                self?.namesResolved(of: report, round: asked)
            }
        }
        follow(roundSchedule.step(at: .now))
    }

    /// The lookups of the writer's rows in round `asked` answered (or their budget passed):
    /// the round's plans are made and their new candidates probed. The answers are in the
    /// resolver by now; the plans read them under the configuration in force (a reload may have
    /// come meanwhile).
    func namesResolved(of report: WriterReport, round asked: Int) {
        dispatchPrecondition(condition: .onQueue(queue))
        // Late (its round decided): the resolver keeps the answers for the next round.
        guard roundSchedule.lookupsAnswered(round: asked) else { return }
        let plans = plans(for: report)
        round?.plans = plans
        probeBatch(endpoints(of: plans))
        follow(roundSchedule.step(at: .now))
    }

    /// Does what the schedule said: decide now, or keep waiting (the patience timer is armed).
    func follow(_ step: RoundStep) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard step == .decide, !stopping, let current = round else { return }
        let started = roundSchedule.round?.started ?? .now
        let (number, urgent) = (roundSchedule.round?.number ?? 0, roundSchedule.round?.urgent ?? false)
        let took = Int(((ContinuousClock.now - started).seconds * 1000).rounded())
        logger.debug("\(RoundTrace.line(number: number, milliseconds: took, urgent: urgent, writer: current.writerOutcome, probes: current.probes))")
        patienceTimer?.cancel()
        patienceTimer = nil
        round = nil
        decide(freshWriter: current.writerOutcome, plans: current.plans, probes: current.probes, statuses: current.statuses,
               started: now - (ContinuousClock.now - started).seconds)
        prober.keep(only: current.probed.union(trackedEndpoints()).union(departedEndpoints()))
        if let afterDecision {
            self.afterDecision = nil
            afterDecision()
        }
        switch roundSchedule.decided(settling: isSettling()) {
        case .startNow(let urgent): queue.async { self.startRound(urgent: urgent) }
        case .fastRound(let after): scheduleFastRound(after: after)
        case .idle: break
        }
    }

    func isSettling() -> Bool {
        dispatchPrecondition(condition: .onQueue(queue))
        return configuration.virtualServices.contains { trackers[$0.name]?.isSettling(policy: $0.policy) == true }
    }

    func scheduleFastRound(after delay: Duration) {
        dispatchPrecondition(condition: .onQueue(queue))
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + delay.dispatchInterval)
        timer.setEventHandler { [weak self] in
            self?.fastTimer = nil
            self?.roundSchedule.fastRoundFired()
            self?.startRound()
        }
        fastTimer = timer
        timer.resume()
    }
}

extension Duration {
    /// The duration in seconds, for the loop's `Double` clock and its metrics.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// The duration for a Dispatch timer, to the microsecond (a past deadline is now).
    var dispatchInterval: DispatchTimeInterval {
        .microseconds(Int(max(self, .zero) / .microseconds(1)))
    }
}
