import LVSModel
import PoolCore
import Postgres

/// A round in one line, for `--log-level debug`: how long it took to decide, what the writer
/// gave, how the probes answered, and each answer that was not a plain standby's (at most
/// `listed` of them, so a round over hundreds of servers stays one readable line).
enum RoundTrace {
    static let listed = 10

    static func line(number: Int, milliseconds: Int, urgent: Bool, writer: Result<WriterReport, PostgresError>?,
                     probes: [SocketEndpoint: ReplicaProbe]) -> String {
        let writerText = switch writer {
        case .success?: "writer answered"
        case .failure?: "writer failed"
        case nil: "no answer from the writer"
        }
        var counts: [String: Int] = [:]
        var notable: [String] = []
        for (endpoint, probe) in probes.sorted(by: { $0.key < $1.key }) {
            let (kind, detail) = describe(probe)
            counts[kind, default: 0] += 1
            if kind != "standby" { notable.append(detail.map { "\(endpoint) \(kind): \($0)" } ?? "\(endpoint) \(kind)") }
        }
        let tally = counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        var text = "round \(number) decided after \(milliseconds) ms\(urgent ? " (urgent)" : ""): \(writerText); "
            + "\(probes.count) probed\(tally.isEmpty ? "" : ": \(tally)")"
        if !notable.isEmpty {
            text += "; " + notable.prefix(listed).joined(separator: "; ")
            if notable.count > listed { text += "; and \(notable.count - listed) more" }
        }
        return text
    }

    private static func describe(_ probe: ReplicaProbe) -> (kind: String, detail: String?) {
        switch probe {
        case .standby: return ("standby", nil)
        case .notInRecovery: return ("not in recovery", nil)
        case .unreachable(let why): return ("unreachable", why)
        case .gone(let why): return ("gone", why)
        case .connecting: return ("connecting", nil)
        }
    }
}
