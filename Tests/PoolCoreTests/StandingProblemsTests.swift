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

    /// A problem of a subject not looked at this round (a server out of the pool) stands on
    /// silently: no "cleared" when it leaves, no second warning when it returns.
    @Test func aProblemWhoseSubjectWasNotJudgedStandsOnUnannounced() {
        var standing = StandingProblems()
        _ = standing.update(["node2: late", "node3: late"])
        var change = standing.update(["node2: late"]) { $0.hasPrefix("node3: ") }
        #expect(change.raised.isEmpty && change.cleared.isEmpty)
        #expect(standing.current == ["node2: late", "node3: late"])
        change = standing.update(["node2: late", "node3: late"])
        #expect(change.raised.isEmpty && change.cleared.isEmpty)
        change = standing.update(["node2: late"])
        #expect(change.cleared == ["node3: late"], "judged and fine now: cleared")
    }
}
