/// Problems that hold for a while (a pool below min_pool, a timeout shorter than a server's
/// keepalives, a kernel setting): each is announced when it starts, or its text changes, and
/// once when it clears, so a condition that lasts for hours logs two lines, not one per round.
public struct StandingProblems: Hashable, Sendable {
    public private(set) var current: Set<String> = []

    public init() {}

    /// Takes this round's problems; returns those new since the last round (in the given
    /// order) and those gone (sorted).
    /// - Parameter unjudged: of the problems missing this round, those whose subject was not
    ///   looked at (a server out of the pool for a while): they stand on, unannounced, so that a
    ///   server leaving and coming back is not "cleared" and raised again.
    public mutating func update(_ problems: [String], unjudged: (String) -> Bool = { _ in false })
        -> (raised: [String], cleared: [String]) {
        let now = Set(problems)
        var seen = Set<String>()
        let raised = problems.filter { !current.contains($0) && seen.insert($0).inserted }
        let gone = current.subtracting(now)
        let standing = gone.filter(unjudged)
        current = now.union(standing)
        return (raised, gone.subtracting(standing).sorted())
    }
}
