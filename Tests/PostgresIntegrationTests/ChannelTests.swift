import Dispatch
import Foundation
import Testing
import TestSupport
@testable import Postgres

/// PostgresChannel against the real servers: nothing blocks the queue, every request ends by
/// its deadline, and a server that dies is known from the idle socket. (In the serialized suite:
/// one test kills replica2, which the others must not see.)
extension WriterAndReplicaViewTests {
    @Test func theChannelReadsTheWriterAndAReplica() throws {
        #expect(LoopbackCluster.healthy())
        let queue = DispatchQueue(label: "channel")
        let writer = PostgresChannel(ConnectionSettings(conninfo: LoopbackCluster.primary), queue: queue)
        let replica = PostgresChannel(ConnectionSettings(conninfo: LoopbackCluster.replica1), queue: queue)
        defer { queue.sync { writer.close(); replica.close() } }
        let report = try #require(try Await.result { done in queue.async { writer.writerReport(timeout: .seconds(2), completion: done) } }.get())
        #expect(!report.inRecovery)
        #expect(report.serverVersion >= 150000)
        #expect(Set(report.walSenders.map(\.applicationName)) == ["replica1", "replica2"])
        let status = try #require(try Await.result { done in queue.async { replica.replicaStatus(timeout: .seconds(2), completion: done) } }.get())
        #expect(status.inRecovery)
        #expect(status.receiverStreaming)
        // The connection stays open for the next request.
        #expect(queue.sync { replica.isConnected })
        let again = try Await.result { done in queue.async { replica.replicaStatus(timeout: .seconds(2), completion: done) } }.get()
        #expect(again.inRecovery)
    }

    @Test func aServerThatNeverAnswersTimesOutWithoutDelayingAnother() throws {
        #expect(LoopbackCluster.healthy())
        // A listener that never accepts: the kernel completes the handshake, then nothing answers
        // libpq's startup packet, like a server behind a partition that still ACKs.
        let silent = try SilentListener()
        let queue = DispatchQueue(label: "channel")
        let hung = PostgresChannel(ConnectionSettings(conninfo: "host=127.0.0.1 port=\(silent.port) dbname=postgres user=postgres"), queue: queue)
        let writer = PostgresChannel(ConnectionSettings(conninfo: LoopbackCluster.primary), queue: queue)
        defer { queue.sync { hung.close(); writer.close() } }
        let order = Order()
        let start = Date()
        let both = DispatchGroup()
        both.enter()
        both.enter()
        queue.async {
            hung.replicaStatus(timeout: .milliseconds(400)) { outcome in
                order.note("hung", outcome.map { _ in () }, after: start)
                both.leave()
            }
            writer.writerReport(timeout: .seconds(2)) { outcome in
                order.note("writer", outcome.map { _ in () }, after: start)
                both.leave()
            }
        }
        #expect(both.wait(timeout: .now() + 5) == .success, "a request outlived its deadline")
        let events = order.events
        #expect(events.map(\.name) == ["writer", "hung"], "\(events)")
        let hungEvent = try #require(events.first { $0.name == "hung" })
        #expect(hungEvent.error?.code == .timedOut, "\(hungEvent)")
        #expect(hungEvent.error?.isServerGone == false)
        #expect(hungEvent.seconds >= 0.35 && hungEvent.seconds < 1.5, "timed out after \(hungEvent.seconds) s")
        #expect(events.first { $0.name == "writer" }?.error == nil)
        print("writer answered after \(String(format: "%.3f", events[0].seconds)) s; the silent server timed out after \(String(format: "%.3f", hungEvent.seconds)) s (deadline 0.4 s)")
    }

    @Test func aTimedOutQueryDropsItsConnectionAndTheNextRequestReconnects() throws {
        #expect(LoopbackCluster.healthy())
        let queue = DispatchQueue(label: "channel")
        let channel = PostgresChannel(ConnectionSettings(conninfo: LoopbackCluster.replica1), queue: queue)
        defer { queue.sync { channel.close() } }
        let slow = Await.result { done in
            queue.async { channel.run(timeout: .milliseconds(200), sql: { _ in "SELECT pg_sleep(3)" }, completion: done) }
        }
        guard case .failure(let error)? = slow else {
            Issue.record("pg_sleep(3) finished inside a 200 ms deadline: \(String(describing: slow))")
            return
        }
        #expect(error.code == .timedOut)
        #expect(queue.sync { !channel.isConnected })
        let status = try Await.result { done in queue.async { channel.replicaStatus(timeout: .seconds(2), completion: done) } }.get()
        #expect(status.inRecovery)
    }

    @Test func aDeadPostmasterIsSeenOnTheIdleSocket() throws {
        #expect(LoopbackCluster.healthy())
        let queue = DispatchQueue(label: "channel")
        let probe = PostgresChannel(ConnectionSettings(conninfo: LoopbackCluster.replica2), queue: queue)
        defer { queue.sync { probe.close() } }
        let noticed = DispatchSemaphore(value: 0)
        queue.sync { probe.onIdleInput = { noticed.signal() } }
        let status = try Await.result { done in queue.async { probe.replicaStatus(timeout: .seconds(2), completion: done) } }.get()
        #expect(status.inRecovery)
        let killed = Date()
        let restore = try LoopbackCluster.killPostmaster("replica2")
        defer { restore() }
        #expect(noticed.wait(timeout: .now() + 5) == .success, "the idle socket never reported the dead server")
        let latency = Date().timeIntervalSince(killed)
        // The first stir may be the backend's FATAL, the EOF right behind it closes the channel.
        #expect(LoopbackCluster.eventually(5) { queue.sync { !probe.isConnected } }, "the channel stayed open after EOF")
        // The next request finds the server gone (refused), not slow.
        let next = Await.result { done in queue.async { probe.replicaStatus(timeout: .seconds(2), completion: done) } }
        guard case .failure(let error)? = next else {
            Issue.record("a dead replica answered: \(String(describing: next))")
            return
        }
        #expect(error.isServerGone, "\(error)")
        print("idle socket noticed the killed postmaster after \(String(format: "%.3f", latency)) s; the next probe: \(error.summary)")
    }
}

extension WriterAndReplicaViewTests {
    /// A FATAL on the idle socket ends the connection at once, without waiting for the EOF
    /// behind it; the next request reconnects, so a backend terminated alone is no server gone.
    @Test func aFatalOnTheIdleSocketEndsTheConnectionAtOnce() throws {
        #expect(LoopbackCluster.healthy())
        let queue = DispatchQueue(label: "channel")
        let probe = PostgresChannel(ConnectionSettings(conninfo: LoopbackCluster.replica1, applicationName: "pglvsd-farewell"),
                                    queue: queue)
        defer { queue.sync { probe.close() } }
        let noticed = DispatchSemaphore(value: 0)
        queue.sync { probe.onIdleInput = { noticed.signal() } }
        _ = try Await.result { done in queue.async { probe.replicaStatus(timeout: .seconds(2), completion: done) } }.get()
        let admin = try PostgresConnection(ConnectionSettings(conninfo: LoopbackCluster.replica1))
        let terminated = try admin.query("SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'pglvsd-farewell') AS t")
        #expect(terminated.rows.first?.first == "1")
        #expect(noticed.wait(timeout: .now() + 5) == .success, "the idle socket never stirred")
        let (connected, farewell) = queue.sync { (probe.isConnected, probe.idleFarewell) }
        #expect(!connected, "the channel stayed open after the server's FATAL")
        #expect(farewell?.contains("FATAL: terminating connection due to administrator command [57P01]") == true,
                "\(String(describing: farewell))")
        let again = try Await.result { done in queue.async { probe.replicaStatus(timeout: .seconds(2), completion: done) } }.get()
        #expect(again.inRecovery)
        print("the idle socket's farewell: \(farewell ?? "none"); the next request reconnected to a standby")
    }

    /// A backend terminated while it runs a statement (a FATAL crossing the request, then EOF) is
    /// no server gone: the statement is asked once more on a fresh connection, which answers.
    @Test func aStatementWhoseBackendIsTerminatedIsAskedAgainOnAFreshConnection() throws {
        #expect(LoopbackCluster.healthy())
        let queue = DispatchQueue(label: "channel")
        let channel = PostgresChannel(ConnectionSettings(conninfo: LoopbackCluster.replica1, applicationName: "pglvsd-terminated"),
                                      queue: queue)
        defer { queue.sync { channel.close() } }
        _ = try Await.result { done in queue.async { channel.replicaStatus(timeout: .seconds(2), completion: done) } }.get()
        let outcome = Await.result(seconds: 15) { done in
            queue.async { channel.run(timeout: .seconds(10), sql: { _ in "SELECT pg_sleep(2), 'answered' AS word" }, completion: done) }
            let admin = try? PostgresConnection(ConnectionSettings(conninfo: LoopbackCluster.replica1))
            let sleeping = "SELECT pid FROM pg_stat_activity WHERE application_name = 'pglvsd-terminated' AND query LIKE 'SELECT pg_sleep(2)%'"
            let found = LoopbackCluster.eventually(5) { (try admin?.query(sleeping).rows.count ?? 0) == 1 }
            #expect(found, "the statement never showed in pg_stat_activity")
            _ = try? admin?.query("SELECT pg_terminate_backend(pid) FROM (\(sleeping)) AS s")
        }
        let rows = try #require(try outcome.get().rows)
        #expect(rows.first?.last == "answered")
        print("a statement whose backend was terminated under it answered from a fresh connection")
    }
}

/// Waits (off the channel's queue) for a callback-style request to complete.
enum Await {
    static func result<T: Sendable>(seconds: Double = 10, _ start: (@escaping @Sendable (T) -> Void) -> Void) -> T? {
        let box = Box<T>()
        let done = DispatchSemaphore(value: 0)
        start { value in
            box.value = value
            done.signal()
        }
        guard done.wait(timeout: .now() + seconds) == .success else { return nil }
        return box.value
    }

    private final class Box<T>: @unchecked Sendable {
        var value: T?
    }
}

extension Optional {
    /// Unwraps an awaited result; a missing one (the wait timed out) is an error.
    func get<Success, Failure>() throws -> Success where Wrapped == Result<Success, Failure> {
        guard let self else { throw PostgresError(code: .timedOut, message: "no completion within the test's wait") }
        return try self.get()
    }
}

/// The order in which completions arrived, and when.
final class Order: @unchecked Sendable {
    struct Event: CustomStringConvertible {
        var name: String
        var error: PostgresError?
        var seconds: Double
        var description: String { "\(name) after \(seconds) s: \(error.map { "\($0)" } ?? "ok")" }
    }
    private let lock = NSLock()
    private var list: [Event] = []

    func note(_ name: String, _ outcome: Result<Void, PostgresError>, after start: Date) {
        var error: PostgresError?
        if case .failure(let failure) = outcome { error = failure }
        lock.withLock { list.append(Event(name: name, error: error, seconds: Date().timeIntervalSince(start))) }
    }

    var events: [Event] { lock.withLock { list } }
}

