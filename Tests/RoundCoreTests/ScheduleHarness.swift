import Testing
@testable import RoundCore

/// A `RoundSchedule` with a clock the test turns: writer timeout 2 s, probe timeout 500 ms,
/// fast poll 250 ms. No Dispatch: each test tells the events and reads the answers.
struct ScheduleHarness {
    static let timing = RoundSchedule.Timing(writerTimeout: .seconds(2), probeTimeout: .milliseconds(500),
                                             fastPollInterval: .milliseconds(250))
    var schedule: RoundSchedule
    let origin = ContinuousClock.now
    var now: ContinuousClock.Instant

    init(dryRun: Bool = false) {
        schedule = RoundSchedule(timing: ScheduleHarness.timing, dryRun: dryRun)
        now = origin
    }

    mutating func advance(_ duration: Duration) { now += duration }

    /// When the round's patience ends, counted from the harness's start.
    func offset(_ instant: ContinuousClock.Instant?) -> Duration? { instant.map { $0 - origin } }

    /// A round begins as the driver begins one: the writer asked (its request running, or
    /// not), then one batch of `servers` probes. Returns the patience deadline, if any.
    @discardableResult
    mutating func begin(urgent: Bool = false, once: Bool = false, writerRuns: Bool = true, servers: Int = 2) -> Duration? {
        let answer1 = schedule.start(at: now, urgent: urgent, once: once)
        #expect(answer1 == .begin)
        let ends = schedule.askedWriter(stillRunning: writerRuns)
        let answer2 = schedule.askedProbeBatch(fresh: servers)
        #expect(answer2)
        return offset(ends)
    }

    /// The writer answers a first time, in a round of its own, so patience is the probe timeout.
    mutating func writerHasAnsweredOnce() {
        begin()
        _ = schedule.writerAnswered()
        schedule.probeBatchAnswered()
        #expect(schedule.step(at: now) == .decide)
        let answer3 = schedule.decided(settling: false)
        #expect(answer3 == .idle)
    }
}
