import Logging
import Postgres

/// The writer as the rounds have seen it: whether it answers as a writer, from where, and the
/// problem that makes the pools run fail-static while it does not.
struct WriterHealth {
    /// Why no writer answers; said when it starts or changes, and once when it ends.
    private(set) var problem = RecurringProblem()
    /// Where the writer last answered from ("local" over a Unix socket); nil until it has.
    private(set) var address: String?

    /// The writer answered as a writer, and has not failed since.
    var isUp: Bool { !problem.isStanding && address != nil }

    /// The writer's report, or nil (fail-static) when no writer answers.
    mutating func view(_ outcome: Result<WriterReport, PostgresError>?, logger: Logger) -> WriterReport? {
        guard let outcome else { return nil }
        switch outcome {
        case .failure(let error):
            fail("writer unreachable: \(error.summary)" + (error.guardRemedy.map { " (\($0))" } ?? ""), logger: logger)
            return nil
        case .success(let report) where report.inRecovery:
            fail("the writer conninfo reaches a standby, not a writer", logger: logger)
            return nil
        case .success(let report):
            address = report.serverAddress ?? "local"
            if problem.end() {
                logger.info("writer reachable again", metadata: ["writer.address": "\(report.serverAddress ?? "local")"])
            }
            return report
        }
    }

    /// Fail-static: while no writer answers, each pool keeps its members unless their own probe
    /// fails, so reads keep working through a failover (the seed's agent emptied the pool here).
    private mutating func fail(_ reason: String, logger: Logger) {
        if problem.recur(reason) {
            logger.warning("\(reason); keeping the read pools, minus servers whose own probe fails")
        }
    }
}
