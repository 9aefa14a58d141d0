import PoolCore

/// At most `limit` lines of one kind per round, then one line that counts the rest. A table of
/// thousands of real servers changing at once (a restart adopting hand-made entries, a mass
/// drift) must neither flood the journal, which drops past its rate limit, nor hold the loop:
/// in the lab, 2,333 drains logged one by one held it 7 s, the probes timed out and two healthy
/// replicas were taken for failed.
public struct LogBurstLimit: Hashable, Sendable {
    public let limit: Int
    private var logged: [String: Int] = [:]
    private var held: [HeldBurst] = []

    private struct HeldBurst: Hashable, Sendable {
        var kind: String
        var count: Int
        var first: String
    }

    public init(limit: Int = 20) {
        self.limit = limit
    }

    /// Whether a line of this kind may still be logged this round; counts it either way.
    public mutating func admits(_ kind: String, _ line: @autoclosure () -> String) -> Bool {
        let count = logged[kind, default: 0] + 1
        logged[kind] = count
        if count <= limit { return true }
        if let index = held.firstIndex(where: { $0.kind == kind }) {
            held[index].count += 1
        } else {
            held.append(HeldBurst(kind: kind, count: 1, first: line()))
        }
        return false
    }

    /// One line per kind that went over the limit this round.
    public func summary() -> [RoundEvent] {
        held.map { burst in
            RoundEvent(.notice, "\(burst.count) more \(burst.kind) this round, not logged one by one (the first of them: \(burst.first))",
                       metadata: ["suppressed": "\(burst.count)"])
        }
    }
}

extension PoolTransition.Kind {
    /// What a burst of this kind of change is counted as.
    var logKind: String {
        switch self {
        case .joined: return "servers joining"
        case .left: return "servers leaving"
        case .draining: return "servers draining"
        case .drained: return "servers drained and removed"
        case .fallbackStarted, .fallbackEnded: return "fallback changes"
        }
    }
}
