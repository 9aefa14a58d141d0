import LVSModel

/// Why a server is not serving reads; each reason is a named value so logs, status and tests
/// can say exactly why (`lagging (bytes: 91 MiB)`).
public enum ExclusionReason: Hashable, Sendable, CustomStringConvertible {
    /// Its name did not resolve to an address.
    case unresolvedAddress
    /// Its address can never be a real server (loopback, multicast, the virtual address...).
    case unusableAddress(IPAddress, RealServerAddressProblem)
    /// pg_stat_replication.state is not an accepted one (e.g. catchup, backup).
    case notStreaming(state: String)
    /// sync_state is not an accepted one.
    case syncStateNotAccepted(String)
    /// Another row already maps to the same real server.
    case duplicateOf(String)
    /// Further behind the writer than max_lag_bytes.
    case laggingBytes(Int64)
    /// Further behind than max_lag_seconds.
    case laggingSeconds(Double)
    /// Its lag in seconds is not a number (NaN or infinite) while max_lag_seconds applies.
    case lagUnknown(Double)
    /// Not (or no longer) in the writer's pg_stat_replication.
    case notInReplication
    /// A cascaded standby listed by no upstream whose own WAL receiver is not streaming (its
    /// status, nil when none runs).
    case receiverNotStreaming(String?)
    /// A cascaded standby streaming another timeline than the writer's (an old primary's).
    case otherTimeline(Int, writer: Int)
    /// Its own probe says it is not in recovery: a primary.
    case notAStandby
    /// Its own probe got no answer.
    case probeFailed(String)
    /// Its postmaster is gone (connection refused or reset).
    case postmasterGone(String)
    /// An operator excluded it (`pglvsd drain --exclude`).
    case maintenance
    /// Ready to join, but the maintenance marks have never been read: it may be drained.
    case maintenanceUnknown(String)
    /// Reported by the writer (or listed), but its own probe has not yet answered as a standby.
    case unproven
    /// Its replay position, as its walsender reports it, is ahead of the writer's own: no
    /// honest standby reports that.
    case replayAheadOfWriter

    /// The reason with its measured figures left out, for saying it once: a lagging server's lag
    /// moves every round, and a NaN lag never equals itself, so the figures would repeat the
    /// line each round. States, details and names stay: a change there is news.
    public var kind: ExclusionReason {
        switch self {
        case .laggingBytes: return .laggingBytes(0)
        case .laggingSeconds: return .laggingSeconds(0)
        case .lagUnknown: return .lagUnknown(0)
        default: return self
        }
    }

    public var description: String {
        switch self {
        case .unresolvedAddress: return "unresolved address"
        case let .unusableAddress(address, problem): return "address \(address) cannot be a real server (\(problem))"
        case .notStreaming(let state): return "not streaming (state: \(state))"
        case .syncStateNotAccepted(let state): return "sync_state \(state) not accepted"
        case .duplicateOf(let name): return "same real server as \(name)"
        case .laggingBytes(let bytes): return "lagging (bytes: \(ByteCount.describe(bytes)))"
        case .laggingSeconds(let seconds): return "lagging (seconds: \(formatSeconds(seconds)))"
        case .lagUnknown(let seconds): return "lag unknown (seconds: \(formatSeconds(seconds)))"
        case .notInReplication: return "not in the writer's pg_stat_replication"
        case .receiverNotStreaming(let status?): return "its WAL receiver is not streaming (status: \(status))"
        case .receiverNotStreaming(nil): return "no WAL receiver runs"
        case let .otherTimeline(timeline, writer): return "streams timeline \(timeline), the writer is on timeline \(writer)"
        case .notAStandby: return "not a standby (pg_is_in_recovery() is false)"
        case .probeFailed(let detail): return "probe failed: \(detail)"
        case .postmasterGone(let detail): return "postmaster gone: \(detail)"
        case .maintenance: return "excluded for maintenance"
        case .maintenanceUnknown(let problem): return "held out: the maintenance marks cannot be read (\(problem))"
        case .unproven: return "not yet vouched for by its own probe"
        case .replayAheadOfWriter: return "replay position ahead of the writer's (not an honest standby)"
        }
    }
}

/// Byte counts the way operators read them.
public enum ByteCount {
    public static func describe(_ bytes: Int64) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while abs(value) >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        if unit == 0 { return "\(bytes) bytes" }
        return value >= 100 || value == value.rounded() ? "\(Int(value.rounded())) \(units[unit])"
            : "\((value * 10).rounded() / 10) \(units[unit])"
    }
}

func formatSeconds(_ seconds: Double) -> String {
    // Int(_:) traps on NaN and infinities; they print as Swift spells them.
    guard seconds.isFinite, abs(seconds) < 1e15 else { return "\(seconds)" }
    let tenths = (seconds * 10).rounded() / 10
    return tenths == tenths.rounded() ? "\(Int(tenths))" : "\(tenths)"
}
