import LVSModel
import PoolCore
import Postgres
import Testing
@testable import pglvsd

@Suite struct RoundTraceTests {
    static func endpoint(_ n: Int) -> SocketEndpoint {
        SocketEndpoint(address: IPAddress("10.0.\(n / 256).\(n % 256)")!, port: 5432)
    }

    @Test func aRoundIsOneLineWithItsCountsAndWhatWasNotAStandby() {
        let probes: [SocketEndpoint: ReplicaProbe] = [
            Self.endpoint(2): .standby(replayDelaySeconds: 0.5),
            Self.endpoint(3): .unreachable("no answer within 500ms"),
            Self.endpoint(4): .connecting,
        ]
        let line = RoundTrace.line(number: 36, milliseconds: 501, urgent: true, writer: nil, probes: probes)
        #expect(line == "round 36 decided after 501 ms (urgent): no answer from the writer; 3 probed: 1 connecting, 1 standby, "
            + "1 unreachable; 10.0.0.3:5432 unreachable: no answer within 500ms; 10.0.0.4:5432 connecting")
    }

    /// Hundreds of servers out at once still make one bounded line.
    @Test func theServersListedAreCapped() {
        let probes = Dictionary(uniqueKeysWithValues: (1...300).map { (Self.endpoint($0), ReplicaProbe.gone("refused")) })
        let line = RoundTrace.line(number: 1, milliseconds: 3, urgent: false, writer: nil, probes: probes)
        #expect(line.contains("300 probed: 300 gone"))
        #expect(line.components(separatedBy: "gone: refused").count - 1 == RoundTrace.listed)
        #expect(line.hasSuffix("; and \(300 - RoundTrace.listed) more"))
        #expect(line.utf8.count < 1000)
    }
}
