/// Problems that hold for a while (a pool below min_pool, a timeout shorter than a server's
/// keepalives, a kernel setting): each is announced when it starts, or its text changes, and
/// once when it clears, so a condition that lasts for hours logs two lines, not one per round.
public struct StandingProblems: Hashable, Sendable {
    public private(set) var current: Set<String> = []

    public init() {}

    /// Takes this round's problems; returns those new since the last round (in the given
    /// order) and those gone (sorted).
    public mutating func update(_ problems: [String]) -> (raised: [String], cleared: [String]) {
        let now = Set(problems)
        var seen = Set<String>()
        let raised = problems.filter { !current.contains($0) && seen.insert($0).inserted }
        let cleared = current.subtracting(now).sorted()
        current = now
        return (raised, cleared)
    }
}
