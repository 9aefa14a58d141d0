/// The round's timing as a value, so it is tested without Dispatch: when a round starts, how
/// long its decision waits for the writer, when it decides, and what follows. Rounds never
/// overlap: an ask while one runs queues exactly one more. The driver (`ReconcileLoop+Round`)
/// tells it each event and follows its answers; it owns nothing but this bookkeeping.
///
/// Some events only count (`askedProbeBatch`, `probeBatchAnswered`, `writerAnswered`,
/// `askedLookups`, `lookupsAnswered`), since the driver may ask more probes in answer to them
/// before the round is checked: it then asks `step(at:)`.
public struct RoundSchedule: Sendable {
    /// The configured times the schedule reads (a reload replaces them).
    public struct Timing: Hashable, Sendable {
        /// How long the writer's request may run (writer.timeout).
        public var writerTimeout: Duration
        /// How long a probe may take to answer (probe_timeout).
        public var probeTimeout: Duration
        /// How soon the next round comes while servers count rise or fall (fast_poll_interval).
        public var fastPollInterval: Duration

        public init(writerTimeout: Duration, probeTimeout: Duration, fastPollInterval: Duration) {
            self.writerTimeout = writerTimeout
            self.probeTimeout = probeTimeout
            self.fastPollInterval = fastPollInterval
        }
    }

    /// The round in flight.
    public struct Running: Hashable, Sendable {
        /// Which round this is (counted from 1): what an answer that may come after the round
        /// decided is tagged with.
        public let number: Int
        public let started: ContinuousClock.Instant
        /// Started (or hurried) because a probe connection stirred: it waits for no writer.
        public internal(set) var urgent: Bool
        /// A single `pglvsd once` round: it waits for the writer's full timeout.
        public let once: Bool
        /// The writer's request runs and this round may still take its answer.
        public internal(set) var writerPending = false
        /// Probe batches asked and not answered yet: the round decides only once none is out.
        public internal(set) var pendingBatches = 0
        /// Name lookups asked (the writer's rows) and not answered yet: counted like a probe
        /// batch, since the probes of the names they resolve are asked when they answer.
        public internal(set) var pendingLookups = 0
        /// Servers asked so far this round.
        public internal(set) var probedServers = 0
    }

    public var timing: Timing
    /// A dry run starts no round of its own (no fast rounds).
    public let dryRun: Bool
    public private(set) var round: Running?
    /// How many rounds have begun (the last one's number).
    public private(set) var roundsBegun = 0
    /// The writer has answered at least once: until then a round waits for its full timeout
    /// (adopted servers are known by address only; names and weights come from its rows).
    public private(set) var writerAnsweredOnce = false
    /// Rounds asked for while one ran (one more follows), and whether any ask was urgent.
    public private(set) var again = false
    public private(set) var againUrgent = false
    /// A fast round is scheduled (its timer armed and not fired).
    public private(set) var fastRoundPending = false

    public init(timing: Timing, dryRun: Bool = false) {
        self.timing = timing
        self.dryRun = dryRun
    }

    /// A round is asked for: by the poll timer, a fast round, an idle probe connection that
    /// stirred (`urgent`), or `pglvsd once` (`once`).
    public mutating func start(at now: ContinuousClock.Instant, urgent: Bool = false, once: Bool = false) -> RoundStart {
        guard var running = round else {
            roundsBegun += 1
            round = Running(number: roundsBegun, started: now, urgent: urgent, once: once)
            fastRoundPending = false
            return .begin
        }
        again = true
        againUrgent = againUrgent || urgent
        guard urgent else { return .queued }
        running.urgent = true
        round = running
        return .hurried(step(at: now))
    }

    /// The writer was asked; `stillRunning`: its request runs (a new one, or one an earlier
    /// round left). Returns when the round stops waiting for it, for the driver's timer.
    public mutating func askedWriter(stillRunning: Bool) -> ContinuousClock.Instant? {
        guard var running = round else { return nil }
        running.writerPending = stillRunning
        round = running
        return stillRunning ? running.started + patience(of: running) : nil
    }

    /// Whether to ask a batch of `fresh` servers not asked yet this round, counted when so. A
    /// round's first batch is asked even when empty, so the round decides when it answers.
    public mutating func askedProbeBatch(fresh: Int) -> Bool {
        guard var running = round, fresh > 0 || running.pendingBatches == 0 && running.probedServers == 0 else { return false }
        running.probedServers += fresh
        running.pendingBatches += 1
        round = running
        return true
    }

    /// A batch asked this round answered (every server, or its deadline); then ask `step(at:)`.
    public mutating func probeBatchAnswered() {
        round?.pendingBatches -= 1
    }

    /// Names were sent to be looked up (the writer's rows, to probe their servers this round):
    /// the round decides only once they answered. Returns the round's number, to tag the answer
    /// with; nil when no round is in flight.
    public mutating func askedLookups() -> Int? {
        guard var running = round else { return nil }
        running.pendingLookups += 1
        round = running
        return running.number
    }

    /// The lookups asked in round `number` answered (or their budget passed). Returns true when
    /// that round is the one in flight; an answer after its round decided is ignored. Then ask
    /// `step(at:)`.
    public mutating func lookupsAnswered(round number: Int) -> Bool {
        guard var running = round, running.number == number, running.pendingLookups > 0 else { return false }
        running.pendingLookups -= 1
        round = running
        return true
    }

    /// The writer answered. Returns true when the round in flight takes the answer (it was
    /// waiting for it); a late answer serves the next round. Then ask `step(at:)`.
    public mutating func writerAnswered() -> Bool {
        writerAnsweredOnce = true
        guard round?.writerPending == true else { return false }
        round?.writerPending = false
        return true
    }

    /// The writer was replaced (a reload): a round waiting for the old one would wait in vain.
    public mutating func writerReplaced() {
        round?.writerPending = false
    }

    /// Whether the round in flight decides now. `patienceOver`: the timer armed at
    /// `askedWriter` fired.
    public func step(at now: ContinuousClock.Instant, patienceOver: Bool = false) -> RoundStep {
        guard let running = round, running.pendingBatches == 0, running.pendingLookups == 0 else {
            return .wait(patienceEnds: nil)
        }
        let ends = running.started + patience(of: running)
        if running.writerPending && !patienceOver && now < ends { return .wait(patienceEnds: ends) }
        return .decide
    }

    /// The round decided: it ends, and what follows is said. `settling`: a server counts rise
    /// or fall.
    public mutating func decided(settling: Bool) -> AfterRound {
        round = nil
        if again {
            let urgent = againUrgent
            again = false
            againUrgent = false
            return .startNow(urgent: urgent)
        }
        guard settling, !dryRun, !fastRoundPending else { return .idle }
        fastRoundPending = true
        return .fastRound(after: timing.fastPollInterval)
    }

    /// The fast round's timer fired (its round is asked for next).
    public mutating func fastRoundFired() {
        fastRoundPending = false
    }

    /// How long a round's decision waits for the writer once the probes are in: the probe
    /// timeout, so a hung writer never holds back the probes' findings, and not at all in an
    /// urgent round. Until the writer has answered once, and for a single `once` round, its
    /// full timeout.
    public func patience(of running: Running) -> Duration {
        guard !running.once, writerAnsweredOnce else { return timing.writerTimeout }
        return running.urgent ? .zero : timing.probeTimeout
    }
}
