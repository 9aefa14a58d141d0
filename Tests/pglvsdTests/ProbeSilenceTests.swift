import Dispatch
import Glibc
import LVSModel
import Logging
import Postgres
import PoolCore
import Testing
@testable import pglvsd

/// A replica that goes silent on an open probe connection (a cut network, a frozen host): each
/// round's verdict on the same unanswered request comes one probe timeout after the last one,
/// so `fall` verdicts take `fall` probe timeouts of silence, not the gaps between rounds on top.
/// Against the loopback cluster's replica1, whose backend serving the probe is stopped.
/// Serialized: the silence test counts this suite's backends on replica1 (user postgres).
@Suite(.enabled(if: getenv("PGLVSD_LOOPBACK") != nil, "needs the loopback cluster: run through scripts/test (PGLVSD_LOOPBACK)"),
       .serialized)
struct ProbeSilenceTests {
    static let port: UInt16 = 55433
    static let probeTimeout = Duration.seconds(1)

    /// One round's probe of `endpoint`: its answer and how long it took.
    static func round(_ prober: ReplicaProber, _ endpoint: SocketEndpoint, queue: DispatchQueue, now: Double)
        -> (ReplicaProbe?, Duration) {
        let answered = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var answer: ReplicaProbe?
        let started = ContinuousClock.now
        queue.sync {
            prober.probe([endpoint], now: now) { answers in
                answer = answers[endpoint]
                answered.signal()
            }
        }
        _ = answered.wait(timeout: .now() + 10)
        return (queue.sync { answer }, ContinuousClock.now - started)
    }

    /// A server that left a pool is kept connected though no round asks for it: the next
    /// round that does finds the connection made and gets its answer on it.
    @Test func aWarmedServerIsConnectedBeforeAnyRoundAsks() throws {
        let endpoint = SocketEndpoint(address: try #require(IPAddress("127.0.0.1")), port: Self.port)
        let queue = DispatchQueue(label: "test.prober.warm")
        let prober = queue.sync {
            ReplicaProber(conninfo: "dbname=postgres user=postgres", password: nil, timeoutMilliseconds: 1000,
                          watchIdle: true, maximumBackoffSeconds: 1, queue: queue, logger: Logger(label: "test"))
        }
        defer { queue.sync { prober.close() } }
        queue.sync { prober.warm([endpoint], now: 0) }
        #expect(queue.sync { prober.settingUp } == [endpoint], "warm started no setup")
        let deadline = ContinuousClock.now + .seconds(10)
        while queue.sync(execute: { prober.statuses[endpoint] == nil }) && ContinuousClock.now < deadline {
            usleep(20_000)
        }
        let status = try #require(queue.sync { prober.statuses[endpoint] }, "the warmed connection never answered")
        #expect(status.inRecovery)
        // Up already: warming again asks nothing, and a round's probe answers on that connection.
        queue.sync { prober.warm([endpoint], now: 1) }
        #expect(queue.sync { prober.isAsking(endpoint) } == false, "warm asked a server already connected")
        let (answer, _) = Self.round(prober, endpoint, queue: queue, now: 2)
        guard case .standby? = answer else {
            Issue.record("replica1 did not answer as a standby: \(String(describing: answer))")
            return
        }
    }

    @Test func theSecondVerdictOnASilentRequestComesOneProbeTimeoutAfterTheFirst() throws {
        let endpoint = SocketEndpoint(address: try #require(IPAddress("127.0.0.1")), port: Self.port)
        let queue = DispatchQueue(label: "test.prober.silence")
        let prober = queue.sync {
            ReplicaProber(conninfo: "dbname=postgres user=postgres", password: nil,
                          timeoutMilliseconds: Int(Self.probeTimeout / .milliseconds(1)), watchIdle: true,
                          maximumBackoffSeconds: 1, queue: queue, logger: Logger(label: "test"))
        }
        defer { queue.sync { prober.close() } }
        // Twice, so the connection is established (its first request done).
        for now in [0.0, 0.1] {
            let (answer, _) = Self.round(prober, endpoint, queue: queue, now: now)
            guard case .standby? = answer else {
                Issue.record("replica1 did not answer as a standby: \(String(describing: answer))")
                return
            }
        }
        let admin = try PostgresConnection(ConnectionSettings(conninfo: "host=127.0.0.1 port=\(Self.port) dbname=postgres user=postgres"))
        // Only this prober's backend (user postgres): other suites probe replica1 at the same time.
        let backends = try admin.query("""
            SELECT pid FROM pg_stat_activity
            WHERE application_name = 'pglvsd-probe' AND usename = 'postgres' AND pid <> pg_backend_pid()
            """)
        try #require(backends.rows.count == 1, "expected this prober's backend alone on replica1: \(backends.rows)")
        let pidText: String? = backends.rows.first?.first ?? nil
        let pid = try #require(pidText.flatMap { Int32($0) }, "no pglvsd-probe backend on replica1")
        #expect(kill(pid, SIGSTOP) == 0)
        defer { kill(pid, SIGCONT) }

        let (first, firstTook) = Self.round(prober, endpoint, queue: queue, now: 1)
        #expect(first == .unreachable("no answer within 1000ms"))
        #expect(firstTook >= Duration.milliseconds(900), "the first verdict came before a probe timeout: \(firstTook)")
        // The next round starts a while after (the decision, a fast round's interval) and its
        // verdict comes a probe timeout after the first one: 0.3 s into it, not a full timeout.
        let gap = Duration.milliseconds(700)
        usleep(UInt32(gap / .microseconds(1)))
        let (second, secondTook) = Self.round(prober, endpoint, queue: queue, now: 2)
        #expect(second == .unreachable("no answer within 1000ms"))
        #expect(secondTook < Self.probeTimeout - Duration.milliseconds(200),
                "the second verdict took \(secondTook): a full probe timeout after its round began, not one after the first verdict")
        #expect(secondTook >= Duration.milliseconds(200), "the second verdict came at once: \(secondTook)")

        // Awake again: the request answers (or, past its hard limit, a new connection does).
        kill(pid, SIGCONT)
        var recovered = false
        for attempt in 0..<20 where !recovered {
            if case .standby? = Self.round(prober, endpoint, queue: queue, now: 3 + Double(attempt)).0 { recovered = true }
        }
        #expect(recovered, "replica1 never answered again after SIGCONT")
    }
}
