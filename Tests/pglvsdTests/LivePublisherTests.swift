import Dispatch
import Foundation
import PoolCore
import Synchronization
import Systemd
import Testing
@testable import pglvsd

/// The daemon's publisher (issue #15): sd_notify at once, the files on a queue of their own,
/// only the newest publication written, a failing file reported when it starts, changes and
/// ends, and a stop that waits for the last writes (but not for a hung filesystem).
@Suite struct LivePublisherTests {
    @Test func aWriteThatBlocksDoesNotBlockPublishing() throws {
        let files = FileWrites(blocking: true)
        let notified = Mutex<[[NotifyState]]>([])
        let publisher = LivePublisher(reportingOn: DispatchQueue(label: "test.loop"), writeFile: files.write,
                                      notify: { states in notified.withLock { $0.append(states) } }, report: { _ in })
        defer { files.release() }
        let writing = within(seconds: 2) {
            publisher.publish(publication(cycle: 1))
            guard files.waitUntilWriting() else { return false }
            // The file queue is stuck in a write: the next rounds still publish, and their
            // keep-alives go out at once.
            publisher.publish(publication(cycle: 2, notifications: [.watchdog, .status("reader 1/1 serving")]))
            publisher.publish(publication(cycle: 3))
            return true
        }
        #expect(writing == true, "the first write never started")
        #expect(notified.withLock { $0 } == [[.watchdog], [.watchdog, .status("reader 1/1 serving")], [.watchdog]])
        #expect(files.written == [1], "only the blocked write began")
    }

    @Test func whileAWriteRunsOnlyTheNewestPublicationWaits() throws {
        let files = FileWrites(blocking: true)
        let publisher = files.publisher()
        publisher.publish(publication(cycle: 1))
        #expect(files.waitUntilWriting())
        for cycle in 2...5 { publisher.publish(publication(cycle: cycle)) }
        files.release()
        #expect(waitForFlush(publisher) == true)
        #expect(files.written == [1, 5], "rounds 2 to 4 were superseded before their turn")
        publisher.publish(publication(cycle: 6))
        #expect(waitForFlush(publisher) == true)
        #expect(files.written == [1, 5, 6])
    }

    @Test func aFailingFileIsReportedWhenItStartsChangesAndEnds() throws {
        let files = FileWrites(blocking: false)
        let loop = DispatchQueue(label: "test.loop")
        let reports = Mutex<[LivePublisher.Report]>([])
        let publisher = LivePublisher(reportingOn: loop, writeFile: files.write, notify: { _ in }, report: { report in
            dispatchPrecondition(condition: .onQueue(loop))
            reports.withLock { $0.append(report) }
        })
        let failures: [String?] = ["No space left on device", "No space left on device", "No space left on device",
                                   "Read-only file system", nil, nil]
        for (cycle, failure) in failures.enumerated() {
            files.failure = failure
            publisher.publish(publication(cycle: cycle))
            // One round at a time, each written before the next (no coalescing here).
            #expect(waitForFlush(publisher) == true)
        }
        let name = "the metrics file"
        #expect(reports.withLock { $0 } == [
            .init(file: .metrics, name: name, problem: "cannot write \(name): No space left on device"),
            .init(file: .metrics, name: name, problem: "cannot write \(name): Read-only file system"),
            .init(file: .metrics, name: name, problem: nil),
        ])
    }

    /// A write that never ends would keep the files stale in silence (the keep-alives still go
    /// out): the next rounds say it once, and its end once.
    @Test func aHungWriteIsReportedByTheNextRoundsOnce() throws {
        let files = FileWrites(blocking: true)
        let loop = DispatchQueue(label: "test.loop")
        let reports = Mutex<[LivePublisher.Report]>([])
        let publisher = LivePublisher(reportingOn: loop, writeFile: files.write, notify: { _ in },
                                      hungAfter: .milliseconds(200), report: { report in reports.withLock { $0.append(report) } })
        publisher.publish(publication(cycle: 1))
        #expect(files.waitUntilWriting())
        publisher.publish(publication(cycle: 2))
        #expect(loop.sync { reports.withLock { $0 } }.isEmpty, "reported before hungAfter")
        let name = "the metrics file"
        let hung = LivePublisher.Report(file: .metrics, name: name,
                                        problem: "cannot write \(name): its write has not ended within 0.2 seconds (a hung filesystem?)")
        // Rounds go on publishing (every 100 ms here) until one finds the write past hungAfter.
        var said = false
        for _ in 0..<50 where !said {
            usleep(100_000)
            publisher.publish(publication(cycle: 3))
            said = loop.sync { reports.withLock { $0 } } == [hung]
        }
        #expect(said, "\(reports.withLock { $0 })")
        publisher.publish(publication(cycle: 4))
        files.release()
        #expect(waitForFlush(publisher) == true)
        #expect(loop.sync { reports.withLock { $0 } } == [hung, .init(file: .metrics, name: name, problem: nil)])
    }

    @Test func flushingWaitsForTheWritesPublishedBefore() throws {
        let files = FileWrites(blocking: true)
        let publisher = files.publisher()
        publisher.publish(publication(cycle: 1))
        #expect(files.waitUntilWriting())
        publisher.publish(publication(cycle: 2))
        let flushed = DispatchSemaphore(value: 0)
        let outcome = Mutex<Bool?>(nil)
        publisher.flush(waitingAtMost: .seconds(10)) { done in
            outcome.withLock { $0 = done }
            flushed.signal()
        }
        #expect(flushed.wait(timeout: .now() + .milliseconds(100)) == .timedOut, "the flush ended while a write ran")
        files.release()
        #expect(flushed.wait(timeout: .now() + 5) == .success)
        #expect(outcome.withLock { $0 } == true)
        #expect(files.written == [1, 2])
    }

    @Test func aHungFilesystemDoesNotHoldTheFlushPastItsLimit() throws {
        let files = FileWrites(blocking: true)
        defer { files.release() }
        let publisher = files.publisher()
        publisher.publish(publication(cycle: 1))
        #expect(files.waitUntilWriting())
        let started = ContinuousClock.now
        #expect(waitForFlush(publisher, limit: .milliseconds(200)) == false)
        #expect(ContinuousClock.now - started < .seconds(3))
    }

    /// The real writer: the files land where they belong, in the formats their readers expect.
    @Test func theFilesAreWrittenWhereTheirReadersLook() throws {
        let directory = try TemporaryDirectory()
        let publisher = LivePublisher(reportingOn: DispatchQueue(label: "test.loop"), notify: { _ in }, report: { _ in })
        let snapshot = MetricsSnapshot(writerUp: true, pools: [], lastCycleSeconds: 0.25, cycles: 7, kernelOperations: 3, kernelErrors: 0)
        let report = StatusReport(pid: 42, updatedAt: Date(timeIntervalSince1970: 1_795_000_000), pollIntervalMilliseconds: 500,
                                  ready: true, writer: .init(conninfo: "host=10.0.0.100", reachable: true, problem: nil, address: nil),
                                  pools: [])
        let statusPath = StatusReport.path(runtimeDirectory: directory.path + "/run")
        publisher.publish(Publication(notifications: [], files: [.status(report, path: statusPath),
                                                                 .metrics(snapshot, path: directory.path + "/pglvsd.prom")]))
        #expect(waitForFlush(publisher) == true)
        let read = try StatusReport.read(from: statusPath)
        #expect(read.pid == 42 && read.ready && read.pollIntervalMilliseconds == 500)
        #expect(try String(contentsOfFile: directory.path + "/pglvsd.prom", encoding: .utf8) == snapshot.render())
    }
}

/// A round's publication, told apart by its cycle count.
func publication(cycle: Int, notifications: [NotifyState] = [.watchdog]) -> Publication {
    let snapshot = MetricsSnapshot(writerUp: true, pools: [], lastCycleSeconds: 0, cycles: cycle, kernelOperations: 0, kernelErrors: 0)
    return Publication(notifications: notifications, files: [.metrics(snapshot, path: "/nonexistent/pglvsd.prom")])
}

/// Waits for the publisher's flush; nil when it never completes.
func waitForFlush(_ publisher: some Publisher, limit: Duration = .seconds(5)) -> Bool? {
    let done = DispatchSemaphore(value: 0)
    let outcome = Mutex<Bool?>(nil)
    publisher.flush(waitingAtMost: limit) { flushed in
        outcome.withLock { $0 = flushed }
        done.signal()
    }
    guard done.wait(timeout: .now() + 10) == .success else { return nil }
    return outcome.withLock { $0 }
}

/// An injected file writer: records which round's metrics it wrote, can hold every write until
/// released (a hung filesystem), and can fail.
final class FileWrites: Sendable {
    private struct State {
        var written: [Int] = []
        var failure: String?
    }

    private let state = Mutex(State())
    private let gate = DispatchSemaphore(value: 0)
    private let started = DispatchSemaphore(value: 0)
    private let blocking: Mutex<Bool>

    init(blocking: Bool) { self.blocking = Mutex(blocking) }

    var written: [Int] { state.withLock { $0.written } }

    /// What the next writes fail with, or nil.
    var failure: String? {
        get { state.withLock { $0.failure } }
        set { state.withLock { $0.failure = newValue } }
    }

    var write: LivePublisher.FileWriter {
        { [self] content in
            guard case .metrics(let snapshot, _) = content else { return }
            state.withLock { $0.written.append(snapshot.cycles) }
            started.signal()
            if blocking.withLock({ $0 }) {
                gate.wait()
                gate.signal()
            }
            if let failure { throw Failure(text: failure) }
        }
    }

    /// A publisher writing through this writer that neither notifies nor reports.
    func publisher() -> LivePublisher {
        LivePublisher(reportingOn: DispatchQueue(label: "test.loop"), writeFile: write, notify: { _ in }, report: { _ in })
    }

    /// True once a write has begun (within 5 s).
    func waitUntilWriting() -> Bool { started.wait(timeout: .now() + 5) == .success }

    /// Lets every write held, and every later one, through.
    func release() {
        guard blocking.withLock({ blocking in
            defer { blocking = false }
            return blocking
        }) else { return }
        gate.signal()
    }

    private struct Failure: Error, CustomStringConvertible {
        var text: String
        var description: String { text }
    }
}
