/// What the driver must do after telling a `RoundSchedule` that something happened: the
/// schedule rules, the driver keeps the timers and does the I/O.
public enum RoundStep: Hashable, Sendable {
    /// Decide now with what the round has gathered (then tell the schedule `decided`).
    case decide
    /// Nothing yet: probe batches or name lookups are out, or the writer has until
    /// `patienceEnds` (the timer armed when the writer was asked fires then).
    case wait(patienceEnds: ContinuousClock.Instant?)
}

/// The answer to asking for a round.
public enum RoundStart: Hashable, Sendable {
    /// No round was in flight: this one begins (ask the writer, then the probes).
    case begin
    /// A round is in flight: one more follows when it decides (rounds never overlap).
    case queued
    /// An urgent ask while a round is in flight: that round stops waiting for a slow writer
    /// (`step` says whether its probes are in, so it decides now), and an urgent one follows.
    case hurried(RoundStep)
}

/// What follows a decision.
public enum AfterRound: Hashable, Sendable {
    /// Rounds were asked for while this one ran: one more starts at once (queue it, so the
    /// decision's own work ends first).
    case startNow(urgent: Bool)
    /// A server counts rise or fall: the next round comes after `after`, sooner than the poll.
    case fastRound(after: Duration)
    /// The poll timer starts the next round.
    case idle
}
