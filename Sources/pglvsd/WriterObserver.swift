import Dispatch
import Postgres

/// Keeps one connection to the writer (through the writer VIP) and asks it for its WAL
/// senders, without blocking the loop's queue: at most one request runs at a time, bounded by
/// the writer timeout.
///
/// Confined to `queue`, asserted by dispatchPrecondition.
final class WriterObserver: @unchecked Sendable {
    private let channel: PostgresChannel
    private let timeout: DispatchTimeInterval
    private let queue: DispatchQueue

    /// - Parameter queue: the loop's serial queue; completions arrive on it.
    init(conninfo: String, password: String?, timeoutMilliseconds: Int, queue: DispatchQueue) {
        // Whoever holds the writer VIP (one ARP away on the director's LAN) must not get the
        // password in clear text either.
        channel = PostgresChannel(ConnectionSettings(conninfo: conninfo, password: password, refusesPasswordInClear: true),
                                  queue: queue)
        // The writer's socket is not watched while idle: the next round asks it anyway, and a
        // writer going away is what fail-static is for.
        channel.watchesIdleSocket = false
        timeout = .milliseconds(timeoutMilliseconds)
        self.queue = queue
    }

    /// True while a request runs (a round that did not wait for it may find it still running).
    var isBusy: Bool { channel.isBusy }

    /// Starts a request unless one is running; `completion` runs on the loop's queue.
    func observe(completion: @escaping @Sendable (Result<WriterReport, PostgresError>) -> Void) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !channel.isBusy else { return }
        channel.writerReport(timeout: timeout, completion: completion)
    }

    func close() {
        dispatchPrecondition(condition: .onQueue(queue))
        channel.close()
    }
}
