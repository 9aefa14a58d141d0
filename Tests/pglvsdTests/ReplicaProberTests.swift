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

    /// At most `maximumConnecting` setups run at once; the others answer "connecting" at once and
    /// start as earlier ones end (hundreds at once on a loaded host never connected at all).
    @Test func connectionSetupsWaitTheirTurn() throws {
        let listeners = try (0..<12).map { _ in try SilentListenerBox() }
        let endpoints = Set(try listeners.map { SocketEndpoint(address: try #require(IPAddress("127.0.0.1")), port: $0.listener.port) })
        let queue = DispatchQueue(label: "test.prober.setups")
        let answered = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var answers: [SocketEndpoint: ReplicaProbe] = [:]
        nonisolated(unsafe) var inSetup = 0
        nonisolated(unsafe) var inSetupEndpoints = Set<SocketEndpoint>()
        nonisolated(unsafe) var prober: ReplicaProber?
        queue.sync {
            let made = ReplicaProber(conninfo: "dbname=postgres user=pglvsd connect_timeout=30", password: nil,
                                     timeoutMilliseconds: 300, watchIdle: true, maximumBackoffSeconds: 1,
                                     maximumConnecting: 8, queue: queue, logger: Logger(label: "test"))
            // Two tracked servers (in a pool) are set up whatever the cap; they sort last by address.
            made.probe(endpoints, tracked: Set(endpoints.sorted().suffix(2)), now: 0) { result in
                answers = result
                answered.signal()
            }
            inSetup = made.connecting
            inSetupEndpoints = made.settingUp
            prober = made
        }
        #expect(inSetup == 8, "the two tracked servers and six others")
        #expect(inSetupEndpoints.isSuperset(of: Set(endpoints.sorted().suffix(2))))
        #expect(answered.wait(timeout: .now() + 5) == .success)
        #expect(queue.sync { answers.count } == 12)
        #expect(queue.sync { answers.values.allSatisfy { $0 == .connecting } })
        // Once those setups end (the 2 s hard limit), the four never tried start at once, with
        // no round asking: a slow round (thousands of servers) must not pace the setups.
        let neverTried = queue.sync { Set(answers.keys).subtracting(inSetupEndpoints) }
        #expect(neverTried.count == 4)
        var started = false
        for _ in 0..<60 where !started {
            usleep(100_000)
            started = queue.sync { prober?.settingUp == neverTried }
        }
        #expect(started, "the waiting setups did not start when the first ones ended: \(queue.sync { prober?.settingUp ?? [] })")
        // A later round fills the slots left free, and the four keep theirs.
        nonisolated(unsafe) var nowSettingUp = Set<SocketEndpoint>()
        queue.sync {
            prober?.probe(endpoints, now: 10) { _ in }
            nowSettingUp = prober?.settingUp ?? []
            prober?.close()
        }
        #expect(nowSettingUp.count == 8 && nowSettingUp.isSuperset(of: neverTried), "\(nowSettingUp) \(neverTried)")
    }

    /// A reload forgets the setups waiting their turn: what may be probed can have changed, and a
    /// probe hands the password to whoever answers. When the running setups end, none follows.
    @Test func aReloadForgetsTheSetupsWaitingTheirTurn() throws {
        let listeners = try (0..<12).map { _ in try SilentListenerBox() }
        let endpoints = Set(try listeners.map { SocketEndpoint(address: try #require(IPAddress("127.0.0.1")), port: $0.listener.port) })
        let queue = DispatchQueue(label: "test.prober.forget")
        let prober = queue.sync {
            ReplicaProber(conninfo: "dbname=postgres user=pglvsd connect_timeout=30", password: nil,
                          timeoutMilliseconds: 300, watchIdle: true, maximumBackoffSeconds: 1,
                          maximumConnecting: 8, queue: queue, logger: Logger(label: "test"))
        }
        defer { queue.sync { prober.close() } }
        let inSetup = queue.sync { () -> Int in
            prober.probe(endpoints, now: 0) { _ in }
            prober.forgetWaitingSetups()
            return prober.connecting
        }
        #expect(inSetup == 8)
        // The eight end at the 2 s hard limit; a refill would start the four others at once.
        var drained = false
        for _ in 0..<60 where !drained {
            usleep(100_000)
            drained = queue.sync { prober.connecting == 0 }
        }
        #expect(drained, "setups still running: \(queue.sync { prober.settingUp })")
    }

    /// A single `once` round has no later round: every setup runs.
    @Test func aPatientRoundSetsEveryServerUp() throws {
        let listeners = try (0..<10).map { _ in try SilentListenerBox() }
        let endpoints = Set(try listeners.map { SocketEndpoint(address: try #require(IPAddress("127.0.0.1")), port: $0.listener.port) })
        let queue = DispatchQueue(label: "test.prober.patient")
        nonisolated(unsafe) var inSetup = 0
        queue.sync {
            let prober = ReplicaProber(conninfo: "dbname=postgres user=pglvsd connect_timeout=30", password: nil,
                                       timeoutMilliseconds: 300, watchIdle: true, maximumBackoffSeconds: 1,
                                       maximumConnecting: 8, queue: queue, logger: Logger(label: "test"))
            prober.probe(endpoints, now: 0, patient: true) { _ in }
            inSetup = prober.connecting
            prober.close()
        }
        #expect(inSetup == 10)
    }
}

/// SilentListener is ~Copyable; an array of them needs a box.
final class SilentListenerBox {
    let listener: SilentListener
    init() throws { listener = try SilentListener() }
}
