/// A problem that comes back every round until it ends (the writer away, a file that cannot be
/// read or written): said when it starts or its text changes, and once when it ends, so that a
/// problem lasting an hour logs two lines, not one per round. (`StandingProblems` does the same
/// for a set of problems that come and go one by one.)
public struct RecurringProblem: Hashable, Sendable {
    /// The problem as last said; nil while there is none.
    public private(set) var text: String?

    public init() {}

    public var isStanding: Bool { text != nil }

    /// This round's problem: true when it is new or its text changed, that is, when to say it.
    public mutating func recur(_ problem: String) -> Bool {
        guard problem != text else { return false }
        text = problem
        return true
    }

    /// No problem this round: true when one stood until now, that is, when to say it ended.
    public mutating func end() -> Bool {
        defer { text = nil }
        return text != nil
    }
}
