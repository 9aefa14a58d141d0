import Dispatch
import LVSModel
import PoolCore
import Postgres

/// Keeps one connection per candidate replica and asks each for its own view
/// (pg_is_in_recovery(), last replay), all replicas at once, each bounded by libpq's
/// connect_timeout and tcp_user_timeout so a partitioned replica cannot stall the others.
final class ReplicaProber: @unchecked Sendable {
    private let conninfo: String
    private var connections: [IPAddress: PostgresConnection] = [:]
    /// Read sources on idle probe connections: a postmaster that dies closes the socket.
    private var watches: [IPAddress: any DispatchSourceRead] = [:]
    private let queue: DispatchQueue
    private let onGone: @Sendable (IPAddress) -> Void

    /// - Parameters:
    ///   - queue: the serial queue the prober is used from; socket events arrive on it.
    ///   - onGone: called (on `queue`) when something arrives on an idle probe connection:
    ///     its server is going away (the next probe says how).
    init(conninfo: String, queue: DispatchQueue, onGone: @escaping @Sendable (IPAddress) -> Void) {
        self.conninfo = conninfo
        self.queue = queue
        self.onGone = onGone
    }

    deinit {
        watches.values.forEach { $0.cancel() }
    }

    /// Watches each healthy connection's socket until the next probe.
    private func watch(_ address: IPAddress, _ connection: PostgresConnection) {
        watches[address]?.cancel()
        let descriptor = connection.socketDescriptor
        guard descriptor >= 0 else { return }
        let source = DispatchSource.makeReadSource(fileDescriptor: descriptor, queue: queue)
        source.setEventHandler { [weak self, weak connection] in
            guard let self, let connection else { return }
            // An idle probe connection receives nothing in normal operation: whatever arrives
            // (EOF, or the backend's FATAL before it) means the server is going away.
            let alive = connection.consumeInput()
            source.cancel()
            self.watches[address] = nil
            if !alive { self.connections[address] = nil }
            self.onGone(address)
        }
        watches[address] = source
        source.resume()
    }

    /// Probes every endpoint concurrently; returns when all have answered or failed.
    func probe(_ endpoints: Set<SocketEndpoint>) -> [SocketEndpoint: ReplicaProbe] {
        let targets = Array(endpoints)
        // The probe queries use the sockets now; watching resumes afterwards.
        watches.values.forEach { $0.cancel() }
        watches = [:]
        // Connections of servers no longer probed are closed.
        let wanted = Set(targets.map(\.address))
        for address in connections.keys where !wanted.contains(address) { connections[address] = nil }
        var existing = targets.map { connections[$0.address] }
        var results = [ReplicaProbe?](repeating: nil, count: targets.count)
        var opened = [PostgresConnection?](repeating: nil, count: targets.count)
        let conninfo = self.conninfo
        results.withUnsafeMutableBufferPointer { resultBuffer in
            opened.withUnsafeMutableBufferPointer { openedBuffer in
                existing.withUnsafeMutableBufferPointer { existingBuffer in
                    nonisolated(unsafe) let results = resultBuffer
                    nonisolated(unsafe) let opened = openedBuffer
                    nonisolated(unsafe) let existing = existingBuffer
                    // Each iteration touches only its own slots.
                    DispatchQueue.concurrentPerform(iterations: targets.count) { index in
                        let endpoint = targets[index]
                        let (probe, connection) = ReplicaProber.probeOne(endpoint, existing: existing[index], conninfo: conninfo)
                        results[index] = probe
                        opened[index] = connection
                    }
                }
            }
        }
        var answers: [SocketEndpoint: ReplicaProbe] = [:]
        for (index, endpoint) in targets.enumerated() {
            connections[endpoint.address] = opened[index]
            answers[endpoint] = results[index]
            if let connection = opened[index] { watch(endpoint.address, connection) }
        }
        return answers
    }

    private static func probeOne(_ endpoint: SocketEndpoint, existing: PostgresConnection?,
                                 conninfo: String) -> (ReplicaProbe, PostgresConnection?) {
        do throws(PostgresError) {
            let connection: PostgresConnection
            if let existing, existing.isHealthy {
                connection = existing
            } else {
                let address = endpoint.address.description
                connection = try PostgresConnection(conninfo: conninfo, applicationName: "pglvsd-probe",
                                                    overrides: [("host", address), ("hostaddr", address), ("port", "\(endpoint.port)")])
            }
            let status = try connection.replicaStatus()
            return (status.inRecovery ? .standby(replayDelaySeconds: status.replayDelaySeconds) : .notInRecovery, connection)
        } catch {
            return (error.isServerGone ? .gone(error.summary) : .unreachable(error.summary), nil)
        }
    }
}
