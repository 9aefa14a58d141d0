import LVSModel

/// One cycle's judgement of one server, before rise/fall.
enum Verdict: Hashable, Sendable {
    /// Eligible this cycle.
    case good(lagBytes: Int64?)
    /// Not eligible this cycle; counts towards fall.
    case bad(ExclusionReason)
    /// Its postmaster is gone: it leaves now, whatever fall says, with nothing to drain.
    case gone(ExclusionReason)
    /// It is a primary now (promoted): it leaves now, whatever fall says, through the removal
    /// mode, since its open read sessions still work.
    case promoted
    /// Nothing learned this cycle (fail-static with no probe): streaks stay as they are.
    case neutral
}

/// A server considered this cycle: where it is and what was found.
struct Candidate {
    var identity: ServerIdentity
    var endpoint: SocketEndpoint
    var verdict: Verdict
    var seenByWriter: Bool
    /// Found in a standby's pg_stat_replication (true), the writer's (false), or listed by no
    /// source this cycle (nil: as before).
    var cascaded: Bool? = nil

    var name: String { identity.name }
}

/// Where candidates come from (the seed's method 1, method 2, or both).
public enum CandidateDiscovery: String, Hashable, Sendable, CaseIterable {
    /// The writer's pg_stat_replication.
    case writer
    /// The configured real_servers, each checked by its own probe.
    case `static`
    case both
    /// The writer's pg_stat_replication and every answering standby's own (cascading
    /// replication); listed real_servers as with `both`.
    case cascade

    /// The writer's rows are read (every mode but `static`).
    public var readsWriter: Bool { self != .static }
    /// The configured real_servers are candidates.
    public var readsList: Bool { self != .writer }
}

enum CandidateEvaluation {
    /// The verdict for a row of the writer's pg_stat_replication (its probe applied after).
    static func judge(_ row: ReplicaObservation, policy: PoolPolicy) -> Verdict {
        guard policy.acceptedStates.contains(row.state) else { return .bad(.notStreaming(state: row.state)) }
        guard policy.acceptedSyncStates.contains(row.syncState) else { return .bad(.syncStateNotAccepted(row.syncState)) }
        // NULL lag on an idle, caught-up standby means no lag.
        let lagBytes = row.replayLagBytes ?? 0
        if lagBytes < 0 { return .bad(.replayAheadOfWriter) }
        if let maxLagBytes = policy.maxLagBytes, lagBytes > maxLagBytes { return .bad(.laggingBytes(lagBytes)) }
        if let maxLagSeconds = policy.maxLagSeconds, let seconds = row.replayLagSeconds,
           let verdict = judgeLag(seconds: seconds, limit: maxLagSeconds) {
            return verdict
        }
        return .good(lagBytes: lagBytes)
    }

    /// A lag over the limit is lagging; a NaN or infinite lag (only a broken or hostile server
    /// reports one) cannot be compared, and a replica whose lag is unknown is not healthy on lag
    /// (`NaN > limit` is false and would have let it serve).
    private static func judgeLag(seconds: Double, limit: Double) -> Verdict? {
        guard seconds.isFinite else { return .bad(.lagUnknown(seconds)) }
        return seconds > limit ? .bad(.laggingSeconds(seconds)) : nil
    }

    /// What the server's own probe adds: a dead or non-standby server is out whatever the writer says.
    static func apply(_ probe: ReplicaProbe?, to verdict: Verdict) -> Verdict {
        switch probe {
        case .gone(let detail)?: return .gone(.postmasterGone(detail))
        case .unreachable(let detail)?: return .bad(.probeFailed(detail))
        case .notInRecovery?: return .promoted
        case .standby?, .connecting?, nil: return verdict
        }
    }

    /// A row of a standby's pg_stat_replication: a candidate must pass both the row and, once
    /// its own probe has answered, its own stream — an upstream's word never outweighs the
    /// server's own account. A lag that cannot be measured this round teaches nothing.
    static func judgeCascaded(_ row: ReplicaObservation, stream: StandbyStream?, replayDelay: Double?,
                              writerTimeline: Int?, reattaching: Bool, policy: PoolPolicy) -> Verdict {
        let fromRow = judge(row, policy: policy)
        guard case .good = fromRow else { return fromRow }
        guard row.replayLagBytes != nil else { return .neutral }
        guard let stream else { return fromRow }
        return judgeOwnStream(stream, name: row.name, replayDelay: replayDelay, writerTimeline: writerTimeline,
                              reattaching: reattaching, policy: policy)
    }

    /// A cascaded standby judged on its own stream: streaming the writer's timeline and within
    /// the lag limits against the writer's position. Just after a promotion a member
    /// re-attaching stays neutral; a lag that cannot be measured this round teaches nothing.
    static func judgeOwnStream(_ stream: StandbyStream, name: String, replayDelay: Double?, writerTimeline: Int?,
                               reattaching: Bool, policy: PoolPolicy) -> Verdict {
        let problem: ExclusionReason
        if stream.receiverStatus != "streaming" {
            problem = .receiverNotStreaming(stream.receiverStatus)
        } else if let timeline = stream.timeline, let writerTimeline, timeline != writerTimeline {
            problem = .otherTimeline(timeline, writer: writerTimeline)
        } else {
            guard stream.lagBytes != nil else { return .neutral }
            if let maxLagSeconds = policy.maxLagSeconds, let delay = replayDelay,
               let verdict = judgeLag(seconds: delay, limit: maxLagSeconds) {
                return verdict
            }
            // A cascaded standby is asynchronous whatever its upstream is.
            return judge(ReplicaObservation(name: name, address: nil, state: "streaming", syncState: "async",
                                            replayLagBytes: stream.lagBytes), policy: policy)
        }
        return reattaching ? .neutral : .bad(problem)
    }

    /// A server known from earlier cycles that the writer does not list now.
    static func judgeMissing(probe: ReplicaProbe?, writerAvailable: Bool, lastSeenByWriter: Double?,
                             now: Double, policy: PoolPolicy) -> Verdict {
        switch probe {
        case .gone(let detail)?: return .gone(.postmasterGone(detail))
        case .unreachable(let detail)?: return .bad(.probeFailed(detail))
        case .notInRecovery?: return .promoted
        case .standby(let replayDelay)?:
            if let maxLagSeconds = policy.maxLagSeconds, let delay = replayDelay,
               let verdict = judgeLag(seconds: delay, limit: maxLagSeconds) {
                return verdict
            }
            // Fail-static: with no writer to ask, a standby that answers keeps its place.
            if !writerAvailable { return .good(lagBytes: nil) }
            // Just after a promotion replicas need seconds to re-attach to the new writer.
            if let seen = lastSeenByWriter, now - seen <= policy.reattachGraceSeconds { return .good(lagBytes: nil) }
            return .bad(.notInReplication)
        case .connecting?, nil:
            return writerAvailable ? .bad(.notInReplication) : .neutral
        }
    }
}
