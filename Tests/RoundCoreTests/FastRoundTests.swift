import Testing
@testable import RoundCore

/// While a server counts rise or fall the next round comes after the fast poll interval —
/// never in a dry run (it starts no round of its own), and never two timers at once.
@Suite struct FastRoundTests {
    private static func decideOneRound(_ harness: inout ScheduleHarness, settling: Bool) -> AfterRound {
        harness.begin(writerRuns: false)
        harness.schedule.probeBatchAnswered()
        #expect(harness.schedule.step(at: harness.now) == .decide)
        return harness.schedule.decided(settling: settling)
    }

    @Test func aFastRoundOnlyWhileSettling() {
        var harness = ScheduleHarness()
        #expect(FastRoundTests.decideOneRound(&harness, settling: false) == .idle)
        #expect(FastRoundTests.decideOneRound(&harness, settling: true) == .fastRound(after: .milliseconds(250)))
        #expect(harness.schedule.fastRoundPending)
    }

    @Test func noFastRoundInADryRun() {
        var harness = ScheduleHarness(dryRun: true)
        #expect(FastRoundTests.decideOneRound(&harness, settling: true) == .idle)
    }

    @Test func aRoundStartingOtherwiseCancelsThePendingFastRound() {
        var harness = ScheduleHarness()
        #expect(FastRoundTests.decideOneRound(&harness, settling: true) == .fastRound(after: .milliseconds(250)))
        // The poll timer's round comes first: the driver cancels the fast timer at `.begin`.
        #expect(FastRoundTests.decideOneRound(&harness, settling: true) == .fastRound(after: .milliseconds(250)))
    }

    @Test func aFiredFastRoundStartsARound() {
        var harness = ScheduleHarness()
        #expect(FastRoundTests.decideOneRound(&harness, settling: true) == .fastRound(after: .milliseconds(250)))
        harness.schedule.fastRoundFired()
        #expect(!harness.schedule.fastRoundPending)
        let answer1 = harness.schedule.start(at: harness.now)
        #expect(answer1 == .begin)
    }

    @Test func anotherRoundAskedForComesBeforeAFastOne() {
        var harness = ScheduleHarness()
        harness.begin(writerRuns: false)
        let answer2 = harness.schedule.start(at: harness.now)
        #expect(answer2 == .queued)
        harness.schedule.probeBatchAnswered()
        let answer3 = harness.schedule.decided(settling: true)
        #expect(answer3 == .startNow(urgent: false))
    }
}
