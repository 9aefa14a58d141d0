import Postgres

/// The writer's health as rounds see it: its answer, or the problem that makes the pools run
/// fail-static.
extension ReconcileLoop {
    /// The writer answered as a writer, and has not failed since.
    var writerIsUp: Bool { writerProblem == nil && lastWriterAddress != nil }

    /// The writer's report, or nil (fail-static) when no writer answers.
    func writerView(_ outcome: Result<WriterReport, PostgresError>?) -> WriterReport? {
        guard let outcome else { return nil }
        switch outcome {
        case .failure(let error):
            noteWriterProblem("writer unreachable: \(error.summary)")
            return nil
        case .success(let report) where report.inRecovery:
            noteWriterProblem("the writer conninfo reaches a standby, not a writer")
            return nil
        case .success(let report):
            lastWriterAddress = report.serverAddress ?? "local"
            if writerProblem != nil {
                logger.info("writer reachable again", metadata: ["writer.address": "\(report.serverAddress ?? "local")"])
                writerProblem = nil
            }
            return report
        }
    }

    /// Fail-static: while no writer answers, each pool keeps its members unless their own probe
    /// fails, so reads keep working through a failover (the seed's agent emptied the pool here).
    func noteWriterProblem(_ problem: String) {
        guard problem != writerProblem else { return }
        writerProblem = problem
        logger.warning("\(problem); keeping the read pools, minus servers whose own probe fails")
    }
}
