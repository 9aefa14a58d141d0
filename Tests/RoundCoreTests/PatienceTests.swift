import Testing
@testable import RoundCore

/// How long a round's decision waits for the writer once the probes are in: its full timeout
/// before its first answer and in a `once` round, the probe timeout after, none when urgent.
@Suite struct PatienceTests {
    @Test func beforeItsFirstAnswerTheWriterHasItsFullTimeout() {
        var harness = ScheduleHarness()
        #expect(harness.begin() == .seconds(2))
        harness.schedule.probeBatchAnswered()
        harness.advance(.milliseconds(600))
        #expect(harness.schedule.step(at: harness.now) == .wait(patienceEnds: harness.origin + .seconds(2)))
        harness.advance(.milliseconds(1400))
        #expect(harness.schedule.step(at: harness.now) == .decide)
    }

    @Test func afterItsFirstAnswerTheWriterHasTheProbeTimeout() {
        var harness = ScheduleHarness()
        harness.writerHasAnsweredOnce()
        harness.advance(.seconds(1))
        #expect(harness.begin() == .milliseconds(1500))
        harness.schedule.probeBatchAnswered()
        #expect(harness.schedule.step(at: harness.now) == .wait(patienceEnds: harness.origin + .milliseconds(1500)))
        harness.advance(.milliseconds(500))
        #expect(harness.schedule.step(at: harness.now) == .decide)
    }

    @Test func aOnceRoundWaitsTheWritersFullTimeout() {
        var harness = ScheduleHarness()
        harness.writerHasAnsweredOnce()
        #expect(harness.begin(once: true) == .seconds(2))
    }

    @Test func theTimerFiringEndsTheWaitWhateverTheClockSays() {
        var harness = ScheduleHarness()
        harness.writerHasAnsweredOnce()
        harness.begin()
        harness.schedule.probeBatchAnswered()
        #expect(harness.schedule.step(at: harness.now, patienceOver: true) == .decide)
    }

    @Test func aWriterThatAnswersInTimeEndsTheWait() {
        var harness = ScheduleHarness()
        harness.writerHasAnsweredOnce()
        harness.begin()
        harness.schedule.probeBatchAnswered()
        harness.advance(.milliseconds(100))
        let answer1 = harness.schedule.writerAnswered()
        #expect(answer1)
        #expect(harness.schedule.step(at: harness.now) == .decide)
    }

    @Test func aWriterNotAskedIsNotWaitedFor() {
        var harness = ScheduleHarness()
        #expect(harness.begin(writerRuns: false) == nil)
        harness.schedule.probeBatchAnswered()
        #expect(harness.schedule.step(at: harness.now) == .decide)
    }

    /// The patience deadline passes while a probe is still out: the round waits for the
    /// batch (probes are never cut short), then decides without the writer.
    @Test func aProbeBatchAnsweringAfterThePatienceDeadlineStillCounts() {
        var harness = ScheduleHarness()
        harness.writerHasAnsweredOnce()
        harness.begin()
        harness.advance(.milliseconds(700))
        #expect(harness.schedule.step(at: harness.now, patienceOver: true) == .wait(patienceEnds: nil))
        harness.schedule.probeBatchAnswered()
        #expect(harness.schedule.step(at: harness.now) == .decide)
        // The writer's late answer serves the next round, not this one.
        let answer2 = harness.schedule.decided(settling: false)
        #expect(answer2 == .idle)
        let answer3 = harness.schedule.writerAnswered()
        #expect(!answer3)
    }

    @Test func aLateWriterAnswerIsNotTakenByTheNextRound() {
        var harness = ScheduleHarness()
        harness.writerHasAnsweredOnce()
        harness.begin(writerRuns: false)
        let answer4 = harness.schedule.writerAnswered()
        #expect(!answer4)
    }

    @Test func aRoundsFirstBatchIsAskedEvenEmptyAndLaterEmptyOnesAreNot() {
        var harness = ScheduleHarness()
        let answer5 = harness.schedule.start(at: harness.now)
        #expect(answer5 == .begin)
        _ = harness.schedule.askedWriter(stillRunning: false)
        let answer6 = harness.schedule.askedProbeBatch(fresh: 0)
        #expect(answer6)
        let answer7 = harness.schedule.askedProbeBatch(fresh: 0)
        #expect(!answer7)
        #expect(harness.schedule.step(at: harness.now) == .wait(patienceEnds: nil))
        harness.schedule.probeBatchAnswered()
        #expect(harness.schedule.step(at: harness.now) == .decide)
    }
}
