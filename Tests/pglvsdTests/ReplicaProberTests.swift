import Dispatch
import Glibc
import LVSModel
import Logging
import PoolCore
import Testing
import TestSupport
@testable import pglvsd

@Suite struct ReplicaProberTests {
    /// A reload replaces the prober while a round waits for one of its probes: closing it must
    /// answer the round (before, the answer never came and the loop stopped for good: no
    /// decision, no WATCHDOG=1).
    @Test func closingAProberAnswersTheRoundWaitingForIt() throws {
        let server = try SilentListener()
        let endpoint = SocketEndpoint(address: try #require(IPAddress("127.0.0.1")), port: server.port)
        let queue = DispatchQueue(label: "test.prober")
        let answered = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var answers: [SocketEndpoint: ReplicaProbe] = [:]
        queue.sync {
            let prober = ReplicaProber(conninfo: "dbname=postgres user=pglvsd connect_timeout=30", password: nil,
                                       timeoutMilliseconds: 500, watchIdle: true, maximumBackoffSeconds: 1,
                                       queue: queue, logger: Logger(label: "test"))
            // Patient: no observation deadline, only the request's own end can answer.
            prober.probe([endpoint], now: 0, patient: true) { result in
                answers = result
                answered.signal()
            }
            queue.asyncAfter(deadline: .now() + .milliseconds(200)) { prober.close() }
        }
        #expect(answered.wait(timeout: .now() + 5) == .success, "the round waiting for the closed prober was never answered")
        #expect(queue.sync { answers[endpoint] } == .connecting)
    }
}
