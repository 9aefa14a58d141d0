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

    /// Servers kept connected because they left a pool take at most half the setup slots, so
    /// dead ones (each setup hanging to the hard limit) never hold back a new replica's setup.
    @Test func warmSetupsLeaveHalfTheSlotsToTheRounds() throws {
        let listeners = try (0..<13).map { _ in try SilentListenerBox() }
        let endpoints = try listeners.map { SocketEndpoint(address: try #require(IPAddress("127.0.0.1")), port: $0.listener.port) }
        let (departed, newReplica) = (Set(endpoints.dropLast()), endpoints.last!)
        let queue = DispatchQueue(label: "test.prober.warm-cap")
        let prober = queue.sync {
            ReplicaProber(conninfo: "dbname=postgres user=pglvsd connect_timeout=30", password: nil,
                          timeoutMilliseconds: 300, watchIdle: true, maximumBackoffSeconds: 1,
                          maximumConnecting: 8, queue: queue, logger: Logger(label: "test"))
        }
        defer { queue.sync { prober.close() } }
        queue.sync { prober.warm(departed, now: 0) }
        #expect(queue.sync { prober.connecting } == 4)
        // Warming again while those setups run starts no more.
        queue.sync { prober.warm(departed, now: 0.5) }
        #expect(queue.sync { prober.connecting } == 4)
        queue.sync { prober.probe([newReplica], now: 1) { _ in } }
        #expect(queue.sync { prober.settingUp.contains(newReplica) }, "a round's setup waited behind warm ones")
    }

    /// At most `maximumConnecting` setups run at once; the others answer "connecting" at once and
    /// wait for a later round (hundreds at once on a loaded host never connected at all).
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
        // Once those setups end (the 2 s hard limit), the next round's go to the four never
        // tried first, least recent first: servers that hang every setup cannot keep them out.
        let firstSetups = queue.sync { Set(answers.keys) }
        var drained = false
        for _ in 0..<60 where !drained {
            usleep(100_000)
            drained = queue.sync { prober?.connecting == 0 }
        }
        #expect(drained, "the first setups never ended")
        nonisolated(unsafe) var nowSettingUp = Set<SocketEndpoint>()
        nonisolated(unsafe) var neverTried = Set<SocketEndpoint>()
        queue.sync {
            neverTried = firstSetups.subtracting(inSetupEndpoints)
            prober?.probe(endpoints, now: 10) { _ in }
            nowSettingUp = prober?.settingUp ?? []
            prober?.close()
        }
        #expect(neverTried.count == 4 && nowSettingUp.isSuperset(of: neverTried), "\(nowSettingUp) \(neverTried)")
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
