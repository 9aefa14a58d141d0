import LVSModel
import PoolCore
import Testing
@testable import RoundCore

/// The writer's answer serves rounds that end before it answers again, for the poll interval
/// plus the writer timeout; after that the pools run fail-static.
@Suite struct WriterStalenessTests {
    let report = WriterAnswer.report(WriterFacts(serverAddress: "10.0.0.100", timeline: 1))

    @Test func anAnswerServesForItsLifetimeAndNoLonger() {
        let sighting = WriterSighting(answer: report, at: 10, fresh: false)
        #expect(sighting.current(now: 12, lifetime: 3) == report)
        #expect(sighting.current(now: 13, lifetime: 3) == report)
        #expect(sighting.current(now: 14.5, lifetime: 3) == .problem("writer unreachable: no answer from the writer for 4 s"))
    }

    @Test func anAnswerOfThisRoundIsUsedWhateverItsAge() {
        let sighting = WriterSighting(answer: report, at: 0, fresh: true)
        #expect(sighting.current(now: 100, lifetime: 3) == report)
    }

    @Test func aFreshReportIsUsed() {
        var harness = DeciderHarness()
        let decision = harness.round(rows: [row("node2", 2), row("node3", 3)])
        #expect(harness.pool == ["10.0.0.2 1", "10.0.0.3 3"])
        #expect(decision.lines.contains("node2 10.0.0.2:5432 joined the pool"))
        #expect(harness.decider.writerHealth.isUp)
    }

    @Test func aReportOlderThanPollIntervalPlusWriterTimeoutIsFailStatic() {
        var harness = DeciderHarness()
        harness.round(rows: [row("node2", 2), row("node3", 3)])
        // 2 s on: the last answer still serves.
        let recent = harness.round(after: 2)
        #expect(recent.events.isEmpty)
        #expect(harness.decider.writerHealth.isUp)
        // 4 s on: fail-static, said once, the pool kept while the probes answer.
        let stale = harness.round(after: 2)
        #expect(stale.events.map(\.message) == [
            "writer unreachable: no answer from the writer for 4 s; keeping the read pools, minus servers whose own probe fails",
        ])
        #expect(stale.events.map(\.level) == [.warning])
        #expect(!harness.decider.writerHealth.isUp)
        #expect(stale.steps().isEmpty && harness.pool == ["10.0.0.2 1", "10.0.0.3 3"])
        // The writer answers again: said once.
        let back = harness.round(rows: [row("node2", 2), row("node3", 3)])
        #expect(back.events == [RoundEvent(.info, "writer reachable again", metadata: ["writer.address": "10.0.0.100"])])
    }

    @Test func failStaticKeepsAServerTheWriterNoLongerVouchesFor() {
        var harness = DeciderHarness()
        harness.round(rows: [row("node2", 2)])
        // Fail-static: node2 is in no row the writer can give, its own probe answers: it stays.
        harness.round(writerProblem: "writer unreachable: connection refused")
        #expect(harness.pool == ["10.0.0.2 1"])
        #expect(harness.decider.results["reader"]?.members.map(\.name) == ["node2"])
    }
}

/// The writer away for many rounds: one warning for the failover, not one a round.
@Suite struct WriterHealthTests {
    @Test func anUnreachableWriterIsWarnedAboutOncePerProblem() {
        var events: [RoundEvent] = []
        var health = WriterHealth()
        #expect(health.view(nil, events: &events) == nil)
        #expect(!health.isUp && !health.problem.isStanding)
        for _ in 0..<5 { _ = health.view(.problem("writer unreachable: connection refused"), events: &events) }
        var reports: [WriterFacts?] = []
        for _ in 0..<5 { reports.append(health.view(.problem("writer unreachable: no answer from the writer for 9 s"), events: &events)) }
        #expect(reports.allSatisfy { $0 == nil })
        #expect(events.map(\.message) == [
            "writer unreachable: connection refused; keeping the read pools, minus servers whose own probe fails",
            "writer unreachable: no answer from the writer for 9 s; keeping the read pools, minus servers whose own probe fails",
        ])
        #expect(health.problem.text == "writer unreachable: no answer from the writer for 9 s")
        #expect(!health.isUp)
    }
}

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
