import Testing
@testable import PoolCore

/// A standing problem is announced when it starts and once when it ends, not every round.
@Suite struct StandingProblemsTests {
    @Test func eachProblemIsRaisedOnceAndClearedOnce() {
        var standing = StandingProblems()
        var change = standing.update(["b", "a"])
        #expect(change.raised == ["b", "a"] && change.cleared.isEmpty)
        change = standing.update(["a", "b"])
        #expect(change.raised.isEmpty && change.cleared.isEmpty)
        change = standing.update(["a", "c"])
        #expect(change.raised == ["c"] && change.cleared == ["b"])
        change = standing.update([])
        #expect(change.raised.isEmpty && change.cleared == ["a", "c"])
        #expect(standing.current.isEmpty)
    }

    @Test func aProblemListedTwiceIsRaisedOnce() {
        var standing = StandingProblems()
        #expect(standing.update(["a", "a"]).raised == ["a"])
    }
}
