import LVSModel
import PoolCore
import Testing
@testable import RoundCore

/// Kernel steps and their cause: a change a transition explains is debug, a change the
/// decision asks without a transition is info, and a change needed while the decision stood
/// still is drift — repaired, with a warning.
@Suite struct DriftTests {
    @Test func theFirstDecisionBuildsTheServiceAndASecondChangesNothing() {
        var harness = DeciderHarness()
        let first = harness.round(rows: [row("node2", 2), row("node3", 3)])
        #expect(first.steps().first?.operation == .addService(readerService))
        #expect(first.steps().allSatisfy { $0.cause != .drift })
        #expect(harness.pool == ["10.0.0.2 1", "10.0.0.3 3"])
        #expect(harness.round(rows: [row("node2", 2), row("node3", 3)]).steps().isEmpty)
    }

    @Test func aWeightChangedByHandIsRepairedAsDrift() {
        var harness = DeciderHarness()
        harness.round(rows: [row("node2", 2), row("node3", 3)])
        harness.kernel.destinations[1].weight = 9
        let decision = harness.round(rows: [row("node2", 2), row("node3", 3)])
        #expect(decision.steps() == [KernelStep(.editRealServer(Destination(endpoint: endpoint(3), forwarding: .directRoute, weight: 3),
                                                                 name: "node3", previousWeight: 9), cause: .drift)])
        #expect(decision.stepLines() == ["drift repaired (the kernel table was changed outside pglvsd): edit node3 10.0.0.3:5432 weight 9 -> 3"])
        #expect(harness.pool == ["10.0.0.2 1", "10.0.0.3 3"])
    }

    @Test func aServiceDeletedByHandIsBuiltAgainAsDrift() {
        var harness = DeciderHarness()
        harness.round(rows: [row("node2", 2)])
        harness.kernel = KernelService(service: nil)
        let decision = harness.round(rows: [row("node2", 2)])
        #expect(decision.steps().map(\.cause) == [.drift, .drift])
        #expect(decision.stepLines().allSatisfy { $0.hasPrefix("drift repaired") })
        #expect(harness.pool == ["10.0.0.2 1"])
    }

    @Test func aServerTheWriterDropsLeavesAsATransitionNotDrift() {
        var harness = DeciderHarness()
        harness.round(rows: [row("node2", 2), row("node3", 3)])
        let decision = harness.round(rows: [row("node2", 2)])
        #expect(decision.steps() == [KernelStep(.removeRealServer(endpoint(3)), cause: .transition)])
        #expect(decision[service: "reader"]?.steps.compactMap { step in
            var burst = LogBurstLimit()
            return step.event(burst: &burst)
        } == [RoundEvent(.debug, "kernel: remove 10.0.0.3:5432", metadata: ["real_server": "10.0.0.3:5432"])])
        #expect(harness.pool == ["10.0.0.2 1"])
    }

    @Test func aNewWeightIsADecidedChange() {
        var harness = DeciderHarness()
        harness.round(rows: [row("node2", 2), row("node3", 3)])
        harness.policy.services[0].policy.weights = ["node3": 5]
        let decision = harness.round(rows: [row("node2", 2), row("node3", 3)])
        #expect(decision.steps().map(\.cause) == [.decision])
        #expect(decision.stepLines() == ["kernel: edit node3 10.0.0.3:5432 weight 3 -> 5"])
    }

    @Test func aJoiningServerIsSaidWithWhatTheJournalSearchesBy() {
        var harness = DeciderHarness()
        let decision = harness.round(rows: [row("node3", 3)])
        #expect(decision[service: "reader"]?.events.first
            == RoundEvent(.info, "node3 10.0.0.3:5432 joined the pool",
                          metadata: ["real_server": "10.0.0.3:5432", "real_server.name": "node3", "weight": "3"]))
    }

    @Test func causes() {
        let add = PoolOperation.addRealServer(Destination(endpoint: endpoint(2), forwarding: .directRoute, weight: 1), name: "node2")
        #expect(KernelStep.cause(of: add, explained: [endpoint(2)], decisionStoodStill: true) == .transition)
        #expect(KernelStep.cause(of: add, explained: [], decisionStoodStill: true) == .drift)
        #expect(KernelStep.cause(of: add, explained: [], decisionStoodStill: false) == .decision)
    }

    /// Past the per-round limit a service's lines are counted, steps' lines included.
    @Test func manyDriftRepairsAreCountedPastTheLimit() {
        var harness = DeciderHarness()
        let rows = (10...40).map { row("node\($0)", UInt8($0)) }
        harness.round(rows: rows)
        harness.kernel.destinations = harness.kernel.destinations.map { var d = $0; d.weight = 7; return d }
        let decision = harness.round(rows: rows)
        guard var burst = decision[service: "reader"]?.burst else { Issue.record("no decision"); return }
        let lines = decision.steps().compactMap { $0.event(burst: &burst) }
        #expect(lines.count == 20)
        #expect(burst.summary().map(\.message) == [
            "11 more drift repairs this round, not logged one by one (the first of them: edit node30 10.0.0.30:5432 weight 7 -> 1)",
        ])
    }
}

/// A round that changes thousands of servers logs a bounded number of lines per kind.
@Suite struct LogBurstLimitTests {
    @Test func pastTheLimitOneLineCountsTheRest() {
        var burst = LogBurstLimit(limit: 3)
        var admitted = 0
        for index in 1...2333 where burst.admits("servers draining", "10.0.9.\(index) is draining") { admitted += 1 }
        let joining = burst.admits("servers joining", "node2 joined")
        #expect(joining)
        #expect(admitted == 3)
        #expect(burst.summary() == [
            RoundEvent(.notice, "2330 more servers draining this round, not logged one by one (the first of them: 10.0.9.4 is draining)",
                       metadata: ["suppressed": "2330"]),
        ])
    }

    @Test func underTheLimitNothingIsSummarized() {
        var burst = LogBurstLimit()
        var admitted = 0
        for index in 1...20 where burst.admits("kernel changes", "op \(index)") { admitted += 1 }
        #expect(admitted == 20)
        #expect(burst.summary().isEmpty)
    }
}
