import Testing
@testable import RoundCore

/// A probe connection that stirs asks for an urgent round: the round in flight stops waiting
/// for a slow writer, and another (urgent) round follows at once. Rounds never overlap.
@Suite struct UrgentRoundTests {
    @Test func anUrgentAskMidRoundDecidesWithoutTheWriterAndStartsAnUrgentRound() {
        var harness = ScheduleHarness()
        harness.writerHasAnsweredOnce()
        harness.begin()
        harness.schedule.probeBatchAnswered()
        harness.advance(.milliseconds(50))
        #expect(harness.schedule.step(at: harness.now) != .decide)
        let answer1 = harness.schedule.start(at: harness.now, urgent: true)
        #expect(answer1 == .hurried(.decide))
        let answer2 = harness.schedule.decided(settling: false)
        #expect(answer2 == .startNow(urgent: true))
        // The urgent round waits for no writer once its probes are in.
        #expect(harness.begin(urgent: true) == harness.offset(harness.now))
        harness.schedule.probeBatchAnswered()
        #expect(harness.schedule.step(at: harness.now) == .decide)
    }

    @Test func anUrgentAskWaitsForTheProbesOut() {
        var harness = ScheduleHarness()
        harness.writerHasAnsweredOnce()
        harness.begin()
        let answer3 = harness.schedule.start(at: harness.now, urgent: true)
        #expect(answer3 == .hurried(.wait(patienceEnds: nil)))
        harness.schedule.probeBatchAnswered()
        #expect(harness.schedule.step(at: harness.now) == .decide)
    }

    @Test func anUrgentAskBeforeTheWritersFirstAnswerStillWaitsForIt() {
        var harness = ScheduleHarness()
        harness.begin()
        harness.schedule.probeBatchAnswered()
        let answer4 = harness.schedule.start(at: harness.now, urgent: true)
        #expect(answer4 == .hurried(.wait(patienceEnds: harness.origin + .seconds(2))))
    }

    @Test func aSecondAskDuringARoundYieldsExactlyOneMoreRound() {
        var harness = ScheduleHarness()
        harness.writerHasAnsweredOnce()
        harness.begin()
        let answer5 = harness.schedule.start(at: harness.now)
        #expect(answer5 == .queued)
        let answer6 = harness.schedule.start(at: harness.now)
        #expect(answer6 == .queued)
        harness.schedule.probeBatchAnswered()
        #expect(harness.schedule.step(at: harness.now, patienceOver: true) == .decide)
        let answer7 = harness.schedule.decided(settling: false)
        #expect(answer7 == .startNow(urgent: false))
        harness.begin()
        harness.schedule.probeBatchAnswered()
        #expect(harness.schedule.step(at: harness.now, patienceOver: true) == .decide)
        let answer8 = harness.schedule.decided(settling: false)
        #expect(answer8 == .idle)
    }

    @Test func anUrgentAskAmongOthersMakesTheNextRoundUrgent() {
        var harness = ScheduleHarness()
        harness.writerHasAnsweredOnce()
        harness.begin()
        let answer9 = harness.schedule.start(at: harness.now, urgent: true)
        #expect(answer9 == .hurried(.wait(patienceEnds: nil)))
        let answer10 = harness.schedule.start(at: harness.now)
        #expect(answer10 == .queued)
        harness.schedule.probeBatchAnswered()
        #expect(harness.schedule.step(at: harness.now) == .decide)
        let answer11 = harness.schedule.decided(settling: true)
        #expect(answer11 == .startNow(urgent: true))
    }

    @Test func noRoundStartsWhileOneRuns() {
        var harness = ScheduleHarness()
        harness.begin()
        let answer12 = harness.schedule.start(at: harness.now, once: true)
        #expect(answer12 == .queued)
        #expect(harness.schedule.round?.once == false)
    }
}
