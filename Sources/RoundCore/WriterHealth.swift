/// The writer as the rounds have seen it: whether it answers as a writer, from where, and the
/// problem that makes the pools run fail-static while it does not.
public struct WriterHealth: Hashable, Sendable {
    /// Why no writer answers; said when it starts or changes, and once when it ends.
    public private(set) var problem = RecurringProblem()
    /// Where the writer last answered from ("local" over a Unix socket); nil until it has.
    public private(set) var address: String?

    public init() {}

    /// The writer answered as a writer, and has not failed since.
    public var isUp: Bool { !problem.isStanding && address != nil }

    /// The writer's report, or nil (fail-static) when no writer answers; the lines to log.
    public mutating func view(_ answer: WriterAnswer?, events: inout [RoundEvent]) -> WriterFacts? {
        switch answer {
        case nil:
            return nil
        case .problem(let reason)?:
            // Fail-static: while no writer answers, each pool keeps its members unless their own
            // probe fails, so reads keep working through a failover (the seed's agent emptied
            // the pool here).
            if problem.recur(reason) {
                events.append(RoundEvent(.warning, "\(reason); keeping the read pools, minus servers whose own probe fails"))
            }
            return nil
        case .report(let facts)?:
            address = facts.serverAddress ?? "local"
            if problem.end() {
                events.append(RoundEvent(.info, "writer reachable again", metadata: ["writer.address": "\(facts.serverAddress ?? "local")"]))
            }
            return facts
        }
    }
}
