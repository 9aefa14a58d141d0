import Postgres
import Testing
@testable import pglvsd

/// A problem that recurs every round is said when it starts or changes, and once when it ends.
@Suite struct RecurringProblemTests {
    @Test func saidOnceWhileItRecursAgainWhenItChangesAndOnceWhenItEnds() {
        var problem = RecurringProblem()
        var said: [Bool] = []
        said.append(problem.end())
        said.append(problem.recur("cannot write /run/pglvsd/status.json: ENOSPC"))
        said.append(problem.recur("cannot write /run/pglvsd/status.json: ENOSPC"))
        said.append(problem.recur("cannot write /run/pglvsd/status.json: EACCES"))
        #expect(problem.isStanding)
        said.append(problem.end())
        said.append(problem.end())
        #expect(said == [false, true, false, true, true, false])
        #expect(!problem.isStanding)
    }
}

/// The writer away for many rounds: one warning for the failover, not one a round.
@Suite struct WriterHealthTests {
    @Test func anUnreachableWriterIsWarnedAboutOncePerProblem() {
        let log = LogRecorder()
        var health = WriterHealth()
        let none = health.view(nil, logger: log.logger)
        #expect(none == nil)
        #expect(!health.isUp && !health.problem.isStanding)
        let refused = PostgresError(code: .connectionFailed, message: "connection to server at \"10.0.0.100\", port 5432 failed: Connection refused")
        for _ in 0..<5 { _ = health.view(.failure(refused), logger: log.logger) }
        let timedOut = PostgresError(code: .timedOut, message: "no answer from the writer for 9 s")
        var reports: [WriterReport?] = []
        for _ in 0..<5 { reports.append(health.view(.failure(timedOut), logger: log.logger)) }
        #expect(reports.allSatisfy { $0 == nil })
        #expect(log.messages(at: .warning) == [
            "writer unreachable: \(refused.summary); keeping the read pools, minus servers whose own probe fails",
            "writer unreachable: no answer from the writer for 9 s; keeping the read pools, minus servers whose own probe fails",
        ])
        #expect(health.problem.text == "writer unreachable: no answer from the writer for 9 s")
        #expect(!health.isUp)
    }
}
