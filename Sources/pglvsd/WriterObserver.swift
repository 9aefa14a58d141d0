import Logging
import Postgres

/// Keeps one connection to the writer (through the writer VIP) and asks it for its WAL senders.
final class WriterObserver {
    private let conninfo: String
    private let logger: Logger
    private var connection: PostgresConnection?

    init(conninfo: String, logger: Logger) {
        self.conninfo = conninfo
        self.logger = logger
    }

    /// The writer's report, reconnecting first when the last connection broke.
    func report() -> Result<WriterReport, PostgresError> {
        do {
            if connection == nil || connection?.isHealthy == false {
                connection = nil
                connection = try PostgresConnection(conninfo: conninfo)
            }
            return .success(try connection!.writerReport())
        } catch {
            // A failed query may leave a half-open connection: start afresh next cycle.
            connection = nil
            return .failure(error)
        }
    }
}
