import Configuration
import Dispatch
import Foundation
import IPVS
import Logging
import Synchronization
import Systemd
import Testing
@testable import Postgres
@testable import pglvsd

/// What the loop publishes after a decision, read through a recording publisher: the values
/// are built on the loop's queue, the I/O is the publisher's (issue #15).
@Suite struct LoopPublishingTests {
    @Test func aDecisionPublishesTheKeepAliveTheStatusAndTheMetrics() throws {
        let directory = try TemporaryDirectory()
        let loop = try makeLoop(in: directory.path)
        let recorder = RecordingPublisher()
        loop.queue.sync {
            loop.publisher = recorder
            let answer = ReconcileLoop.writerAnswer()
            loop.latestWriter = (answer, loop.now)
            loop.decide(freshWriter: answer, plans: nil, probes: [:], statuses: [:], started: loop.now)
            loop.decide(freshWriter: answer, plans: nil, probes: [:], statuses: [:], started: loop.now)
        }
        let publications = recorder.publications
        try #require(publications.count == 2)
        let status = "reader 0/0 serving; writer reachable"
        // Every pool decided at once: READY with the first round, and the status file says so.
        #expect(publications[0].notifications == [.watchdog, .status(status), .ready])
        #expect(publications[1].notifications == [.watchdog], "STATUS only when it changes, READY once")
        guard case .status(let report, let statusPath)? = publications[0].files.first,
              case .metrics(let snapshot, let metricsPath)? = publications[0].files.last else {
            Issue.record("not the status file and then the metrics file: \(publications[0].files)")
            return
        }
        #expect(statusPath == directory.path + "/run/status.json")
        #expect(report.ready && report.writer.reachable && report.pools.map(\.name) == ["reader"])
        #expect(metricsPath == directory.path + "/pglvsd.prom")
        #expect(snapshot.writerUp && snapshot.cycles == 1)
    }

    @Test func withoutMetricsFileOnlyTheStatusFileIsPublished() throws {
        let directory = try TemporaryDirectory()
        let loop = try makeLoop(in: directory.path, metrics: false)
        let recorder = RecordingPublisher()
        loop.queue.sync {
            loop.publisher = recorder
            loop.decide(freshWriter: nil, plans: nil, probes: [:], statuses: [:], started: loop.now)
        }
        #expect(recorder.publications.first?.files.map(\.kind) == [.status])
        // The writer has not answered: no READY yet, and the status file says not ready.
        #expect(recorder.publications.first?.notifications.contains(.ready) == false)
    }

    @Test func aDryRunSaysNothing() throws {
        let directory = try TemporaryDirectory()
        let loop = try makeLoop(in: directory.path, dryRun: true)
        #expect(loop.queue.sync { loop.publisher is SilentPublisher })
        let live = try makeLoop(in: directory.path)
        #expect(live.queue.sync { live.publisher is LivePublisher })
    }

    /// SIGTERM: the last round's files are on disk before the stop completes.
    @Test func stoppingWritesTheLastRoundsFilesFirst() throws {
        let directory = try TemporaryDirectory()
        let loop = try makeLoop(in: directory.path)
        loop.queue.sync {
            let answer = ReconcileLoop.writerAnswer()
            loop.latestWriter = (answer, loop.now)
            loop.decide(freshWriter: answer, plans: nil, probes: [:], statuses: [:], started: loop.now)
        }
        let stopped = DispatchSemaphore(value: 0)
        loop.stop { stopped.signal() }
        #expect(stopped.wait(timeout: .now() + 5) == .success)
        let report = try StatusReport.read(from: directory.path + "/run/status.json")
        #expect(report.ready && report.pid == getpid())
        let metrics = try String(contentsOfFile: directory.path + "/pglvsd.prom", encoding: .utf8)
        #expect(metrics.contains("pglvsd_writer_up 1\n"))
    }

    /// `pglvsd once` exits as soon as its round is done: its files are written by then.
    @Test func aOnceRoundWritesItsFilesBeforeReturning() throws {
        let directory = try TemporaryDirectory()
        let loop = try makeLoop(in: directory.path)
        let results = within(seconds: 10) { loop.runOnce() }
        #expect(results?["reader"] != nil)
        let report = try StatusReport.read(from: directory.path + "/run/status.json")
        #expect(!report.writer.reachable, "the writer's conninfo points at a closed port")
        #expect(FileManager.default.fileExists(atPath: directory.path + "/pglvsd.prom"))
    }

    /// A file that cannot be written is logged when its problem starts or changes, and once
    /// when it ends, not every round.
    @Test func aFileThatCannotBeWrittenIsLoggedOnceAndItsEndToo() throws {
        let directory = try TemporaryDirectory()
        let log = LogRecorder()
        let loop = try makeLoop(in: directory.path, logger: log.logger)
        let files = FileWrites(blocking: false)
        let publisher = LivePublisher(reportingOn: loop.queue, writeFile: files.write, notify: { _ in }) { [weak loop] in
            loop?.published($0)
        }
        loop.queue.sync { loop.publisher = publisher }
        for failure in ["No space left on device", "No space left on device", "No space left on device", nil, nil] {
            files.failure = failure
            loop.queue.sync { loop.decide(freshWriter: nil, plans: nil, probes: [:], statuses: [:], started: loop.now) }
            #expect(waitForFlush(publisher) == true)
        }
        #expect(files.written == [1, 2, 3, 4, 5])
        #expect(log.messages(at: .error) == ["cannot write the metrics file: No space left on device"])
        #expect(log.messages(at: .info).filter { $0.contains("metrics file") } == ["the metrics file is written again"])
    }

    /// SIGTERM with `on_stop: remove` (what the Pacemaker agent writes): once the services are
    /// deleted no round starts or decides again, or its decision would put them back while the
    /// last files are written.
    @Test func afterAStopNoRoundPutsTheDeletedServicesBack() throws {
        let directory = try TemporaryDirectory()
        let table = RecordingIPVSTable()
        let loop = try makeLoop(in: directory.path, table: table, extra: "on_stop: remove")
        loop.queue.sync {
            let answer = ReconcileLoop.writerAnswer()
            loop.latestWriter = (answer, loop.now)
            loop.decide(freshWriter: answer, plans: nil, probes: [:], statuses: [:], started: loop.now)
        }
        #expect(try loop.queue.sync { try table.services().count } == 1)
        let stopped = DispatchSemaphore(value: 0)
        loop.stop { stopped.signal() }
        #expect(stopped.wait(timeout: .now() + 5) == .success)
        // A poll timer, a fast round or a probe's answer already queued behind the stop.
        let started = loop.queue.sync { () -> Bool in
            loop.startRound()
            loop.follow(.decide)
            return loop.round != nil || loop.roundSchedule.round != nil
        }
        #expect(!started, "a round began after the stop")
        #expect(try loop.queue.sync { try table.services() }.isEmpty, "the deleted service is back")
    }

    private func makeLoop(in directory: String, metrics: Bool = true, dryRun: Bool = false, table: RecordingIPVSTable = RecordingIPVSTable(),
                          extra: String = "",
                          logger: Logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }) throws -> ReconcileLoop {
        let configuration = try ConfigurationLoader.load(yaml: """
            \(extra)
            writer:
              conninfo: "host=127.0.0.1 port=1 dbname=postgres user=pglvsd"
            runtime_directory: \(directory)/run
            state_directory: \(directory)/state
            \(metrics ? "metrics_file: \(directory)/pglvsd.prom" : "")
            virtual_services:
              - name: reader
                address: 10.0.0.200
                port: 5432
            """)
        return ReconcileLoop(configuration: configuration, logger: logger, table: table, dryRun: dryRun)
    }
}

extension ReconcileLoop {
    /// A writer that answers with no replicas.
    static func writerAnswer() -> Result<WriterReport, PostgresError> {
        .success(WriterReport(inRecovery: false, serverAddress: "127.0.0.1", timeline: 1, currentPosition: nil,
                              serverVersion: 150_000, walSenders: []))
    }
}

/// A publisher that keeps what the loop hands it.
final class RecordingPublisher: Publisher {
    private let recorded = Mutex<[Publication]>([])

    var publications: [Publication] { recorded.withLock { $0 } }

    func publish(_ publication: Publication) { recorded.withLock { $0.append(publication) } }

    func flush(waitingAtMost limit: Duration, then completion: @escaping @Sendable (_ flushed: Bool) -> Void) {
        completion(true)
    }
}
