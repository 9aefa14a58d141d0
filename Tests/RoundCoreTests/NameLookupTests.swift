import Testing
@testable import RoundCore

/// The writer's rows' names are looked up off the loop's queue: the round counts the pending
/// lookups like a probe batch, so it decides only once they answered (their candidates probed),
/// and an answer tagged with a round that has decided is ignored.
@Suite struct NameLookupTests {
    /// The writer answers a round in flight, and its rows' lookups are asked. Returns the tag.
    private func writerAnswersAndLookupsAreAsked(_ harness: inout ScheduleHarness) -> Int? {
        let taken = harness.schedule.writerAnswered()
        #expect(taken)
        return harness.schedule.askedLookups()
    }

    @Test func aRoundDecidesOnlyOnceItsLookupsAnswered() throws {
        var harness = ScheduleHarness()
        harness.writerHasAnsweredOnce()
        harness.begin()
        let tag = try #require(writerAnswersAndLookupsAreAsked(&harness))
        harness.schedule.probeBatchAnswered()
        #expect(harness.schedule.step(at: harness.now) == .wait(patienceEnds: nil))
        let taken = harness.schedule.lookupsAnswered(round: tag)
        #expect(taken)
        // The new rows' probes are asked when the lookups answer: the round waits for them too.
        let asked = harness.schedule.askedProbeBatch(fresh: 1)
        #expect(asked)
        #expect(harness.schedule.step(at: harness.now) == .wait(patienceEnds: nil))
        harness.schedule.probeBatchAnswered()
        #expect(harness.schedule.step(at: harness.now) == .decide)
    }

    /// The patience timer (or a hurried round) ends the wait for the writer, never for lookups
    /// out: the round decides once they answered.
    @Test func patienceOverStillWaitsForTheLookups() throws {
        var harness = ScheduleHarness()
        harness.writerHasAnsweredOnce()
        harness.begin()
        harness.schedule.probeBatchAnswered()
        harness.advance(.milliseconds(450))
        let tag = try #require(writerAnswersAndLookupsAreAsked(&harness))
        harness.advance(.milliseconds(100))
        #expect(harness.schedule.step(at: harness.now, patienceOver: true) == .wait(patienceEnds: nil))
        let taken = harness.schedule.lookupsAnswered(round: tag)
        #expect(taken)
        #expect(harness.schedule.step(at: harness.now) == .decide)
    }

    @Test func aHurriedRoundWaitsForItsLookupsThenAnUrgentOneFollows() throws {
        var harness = ScheduleHarness()
        harness.writerHasAnsweredOnce()
        harness.begin()
        let tag = try #require(writerAnswersAndLookupsAreAsked(&harness))
        harness.schedule.probeBatchAnswered()
        let hurried = harness.schedule.start(at: harness.now, urgent: true)
        #expect(hurried == .hurried(.wait(patienceEnds: nil)))
        let taken = harness.schedule.lookupsAnswered(round: tag)
        #expect(taken)
        #expect(harness.schedule.step(at: harness.now) == .decide)
        let after = harness.schedule.decided(settling: false)
        #expect(after == .startNow(urgent: true))
    }

    /// Each round has its own tag; an answer for another round (late, or repeated) is ignored
    /// and leaves the round in flight waiting for its own.
    @Test func anAnswerForAnotherRoundIsIgnored() throws {
        var harness = ScheduleHarness()
        harness.writerHasAnsweredOnce()
        harness.begin()
        let first = try #require(writerAnswersAndLookupsAreAsked(&harness))
        let taken1 = harness.schedule.lookupsAnswered(round: first)
        #expect(taken1)
        let again = harness.schedule.lookupsAnswered(round: first)
        #expect(!again, "one answer counted twice")
        harness.schedule.probeBatchAnswered()
        #expect(harness.schedule.step(at: harness.now) == .decide)
        _ = harness.schedule.decided(settling: false)
        let afterDecision = harness.schedule.lookupsAnswered(round: first)
        #expect(!afterDecision)

        harness.begin()
        let second = try #require(writerAnswersAndLookupsAreAsked(&harness))
        #expect(second != first)
        harness.schedule.probeBatchAnswered()
        let stale = harness.schedule.lookupsAnswered(round: first)
        #expect(!stale)
        #expect(harness.schedule.step(at: harness.now) == .wait(patienceEnds: nil))
        let taken2 = harness.schedule.lookupsAnswered(round: second)
        #expect(taken2)
        #expect(harness.schedule.step(at: harness.now) == .decide)
    }

    @Test func noLookupsAreCountedWithoutARound() {
        var harness = ScheduleHarness()
        #expect(harness.schedule.askedLookups() == nil)
    }
}
