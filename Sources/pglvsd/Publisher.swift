import Systemd

/// What the daemon tells the outside after each round: the loop builds a `Publication` on its
/// queue and a publisher does the I/O, so that a slow or hung filesystem never holds the loop
/// (nor its WATCHDOG=1). `LivePublisher` is the daemon's; a dry run's says nothing.
protocol Publisher: Sendable {
    /// One round's publication, handed over from the loop's queue; returns at once.
    func publish(_ publication: Publication)

    /// Runs `completion` (on any thread) once everything published before is written, or once
    /// `limit` has passed (`flushed` false): a hung filesystem must not hold the stop.
    func flush(waitingAtMost limit: Duration, then completion: @escaping @Sendable (_ flushed: Bool) -> Void)
}

/// One round's word to the outside, as values.
struct Publication: Sendable {
    /// Sent to the service manager at once (a datagram): WATCHDOG=1 marks the round's progress.
    var notifications: [NotifyState]
    /// The files, in the order they are written: the status file, then the metrics file when
    /// `metrics_file` is set.
    var files: [PublishedContent]
}

/// One file the daemon publishes, with what goes in it; rendered and written off the loop.
enum PublishedContent: Sendable {
    /// The status file `pglvsd status` and the Pacemaker agent read.
    case status(StatusReport, path: String)
    /// The node_exporter textfile.
    case metrics(MetricsSnapshot, path: String)

    enum Kind: Hashable, Sendable { case status, metrics }

    var kind: Kind {
        switch self {
        case .status: return .status
        case .metrics: return .metrics
        }
    }

    /// How the log names it.
    var name: String {
        switch self {
        case .status(_, let path): return path
        case .metrics: return "the metrics file"
        }
    }

    /// Writes the file where it belongs, atomically (`PublishedFile`).
    func write() throws {
        switch self {
        case .status(let report, let path): try report.write(to: path)
        case .metrics(let snapshot, let path): try PublishedFile.write(snapshot.render(), to: path)
        }
    }
}

/// A publisher that says nothing: a dry run (`pglvsd once --dry-run`) changes nothing outside
/// the process.
struct SilentPublisher: Publisher {
    func publish(_ publication: Publication) {}

    func flush(waitingAtMost limit: Duration, then completion: @escaping @Sendable (_ flushed: Bool) -> Void) {
        completion(true)
    }
}
