import Dispatch
import RoundCore
import Synchronization
import Systemd

/// The daemon's publisher: sd_notify at once (one datagram to systemd, and WATCHDOG=1 must mark
/// the round that sent it), the files on a serial queue of their own. While a write is still
/// running, a newer publication replaces the one waiting: only the newest is written, so a
/// filesystem that stalls costs one write in flight, not a backlog of every round's.
///
/// A file that cannot be written is reported on `reportQueue` when its problem starts or its
/// text changes, and once when it ends (`RecurringProblem`), not every round. A write that has
/// not ended after `hungAfter` (a hung filesystem) is reported the same way by the next round's
/// publish: the keep-alives still go out, so nothing else would say that the files went stale.
final class LivePublisher: Publisher {
    /// Writes one file; tests inject one that is slow or fails.
    typealias FileWriter = @Sendable (PublishedContent) throws -> Void
    typealias Notifier = @Sendable ([NotifyState]) -> Void

    /// A file's problem started or changed (`problem`), or ended (nil).
    struct Report: Equatable, Sendable {
        var file: PublishedContent.Kind
        /// How the log names it.
        var name: String
        /// "cannot write …: why", or nil once the file is written again.
        var problem: String?
    }

    private struct State {
        /// The newest publication not yet taken for writing.
        var waiting: Publication?
        /// A drain is queued or running on `files`.
        var draining = false
        var problems: [PublishedContent.Kind: RecurringProblem] = [:]
        /// The write running on `files`, and since when.
        var writing: (kind: PublishedContent.Kind, name: String, since: ContinuousClock.Instant)?
    }

    private let state = Mutex(State())
    private let files = DispatchQueue(label: "pglvsd.publisher")
    private let reportQueue: DispatchQueue
    private let report: @Sendable (Report) -> Void
    private let writeFile: FileWriter
    private let notify: Notifier
    private let hungAfter: Duration

    /// - Parameters:
    ///   - reportQueue: the loop's queue, where `report` runs.
    ///   - writeFile: writes one file (by default where it belongs, atomically).
    ///   - notify: tells the service manager (by default sd_notify).
    init(reportingOn reportQueue: DispatchQueue,
         writeFile: @escaping FileWriter = { try $0.write() },
         notify: @escaping Notifier = { ServiceManager.notify($0) },
         hungAfter: Duration = .seconds(10),
         report: @escaping @Sendable (Report) -> Void) {
        self.hungAfter = hungAfter
        self.reportQueue = reportQueue
        self.writeFile = writeFile
        self.notify = notify
        self.report = report
    }

    func publish(_ publication: Publication) {
        notify(publication.notifications)
        let hung: Report? = state.withLock { state in
            guard let writing = state.writing, ContinuousClock.now - writing.since >= hungAfter else { return nil }
            let problem = "cannot write \(writing.name): its write has not ended within \(hungAfter) (a hung filesystem?)"
            return state.problems[writing.kind, default: RecurringProblem()].recur(problem)
                ? Report(file: writing.kind, name: writing.name, problem: problem) : nil
        }
        if let hung { reportQueue.async { self.report(hung) } }
        let startDrain = state.withLock { state in
            state.waiting = publication
            defer { state.draining = true }
            return !state.draining
        }
        if startDrain { files.async { self.drain() } }
    }

    func flush(waitingAtMost limit: Duration, then completion: @escaping @Sendable (_ flushed: Bool) -> Void) {
        let once = Mutex(false)
        let finish: @Sendable (Bool) -> Void = { flushed in
            let first = once.withLock { done in
                defer { done = true }
                return !done
            }
            if first { completion(flushed) }
        }
        // Behind any drain already queued; writes what is still waiting. The reports it makes
        // are queued on `reportQueue` before the completion runs there.
        files.async {
            self.drain()
            self.reportQueue.async { finish(true) }
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + limit.dispatchInterval) { finish(false) }
    }

    /// On `files`: writes the newest publication waiting, until none is.
    private func drain() {
        while let publication = state.withLock({ state in
            defer { state.waiting = nil }
            if state.waiting == nil { state.draining = false }
            return state.waiting
        }) {
            for file in publication.files { write(file) }
        }
    }

    private func write(_ file: PublishedContent) {
        var failure: String?
        state.withLock { $0.writing = (file.kind, file.name, .now) }
        do {
            try writeFile(file)
        } catch {
            failure = "cannot write \(file.name): \(error)"
        }
        let said: Report? = state.withLock { state in
            state.writing = nil
            if let failure {
                return state.problems[file.kind, default: RecurringProblem()].recur(failure) ? Report(file: file.kind, name: file.name, problem: failure) : nil
            }
            return state.problems[file.kind]?.end() == true ? Report(file: file.kind, name: file.name, problem: nil) : nil
        }
        if let said { reportQueue.async { self.report(said) } }
    }
}
