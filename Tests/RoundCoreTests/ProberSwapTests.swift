import Testing
@testable import RoundCore

/// A reload in the middle of a round replaces the prober (the closed one answers its waiters)
/// or the writer: the round still decides once every batch it asked has answered, and never
/// waits for a writer that is gone.
@Suite struct ProberSwapTests {
    @Test func aRoundDecidesOnceEveryAskedBatchAnsweredAcrossAProberSwap() {
        var harness = ScheduleHarness()
        harness.writerHasAnsweredOnce()
        harness.begin()
        // The writer answers with new rows: their batch goes to the new prober, after the swap.
        let answer1 = harness.schedule.writerAnswered()
        #expect(answer1)
        let answer2 = harness.schedule.askedProbeBatch(fresh: 1)
        #expect(answer2)
        // The old prober, closed, answers its waiters: one batch is still out.
        harness.schedule.probeBatchAnswered()
        #expect(harness.schedule.step(at: harness.now) == .wait(patienceEnds: nil))
        harness.advance(.seconds(3))
        #expect(harness.schedule.step(at: harness.now, patienceOver: true) == .wait(patienceEnds: nil))
        harness.schedule.probeBatchAnswered()
        #expect(harness.schedule.step(at: harness.now) == .decide)
    }

    @Test func aReplacedWriterIsNotWaitedFor() {
        var harness = ScheduleHarness()
        harness.writerHasAnsweredOnce()
        harness.begin()
        harness.schedule.probeBatchAnswered()
        #expect(harness.schedule.step(at: harness.now) != .decide)
        harness.schedule.writerReplaced()
        #expect(harness.schedule.step(at: harness.now) == .decide)
        let answer3 = harness.schedule.writerAnswered()
        #expect(!answer3)
    }

    @Test func aReloadsTimingServesTheNextRound() {
        var harness = ScheduleHarness()
        harness.writerHasAnsweredOnce()
        harness.schedule.timing.probeTimeout = .milliseconds(800)
        #expect(harness.begin() == .milliseconds(800))
    }
}
