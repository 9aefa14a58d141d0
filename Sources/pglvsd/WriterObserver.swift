import Postgres

/// Keeps one connection to the writer (through the writer VIP) and asks it for its WAL senders.
final class WriterObserver {
    private let conninfo: String
    private var connection: PostgresConnection?

    init(conninfo: String) {
        self.conninfo = conninfo
    }

    /// The writer's report, reconnecting first when the last connection broke.
    func report() -> Result<WriterReport, PostgresError> {
        do {
            let current: PostgresConnection
            if let connection, connection.isHealthy {
                current = connection
            } else {
                connection = nil
                current = try PostgresConnection(conninfo: conninfo)
                connection = current
            }
            return .success(try current.writerReport())
        } catch {
            // A failed query may leave a half-open connection: start afresh next cycle.
            connection = nil
            return .failure(error)
        }
    }
}
