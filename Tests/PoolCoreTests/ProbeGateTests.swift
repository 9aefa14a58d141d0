import LVSModel
import Testing
@testable import PoolCore

/// Trust: a server the writer reports is a candidate until its own probe vouches for it.
@Suite struct ProbeGateTests {
    /// A row whose probe is still connecting (or was never made) counts nothing towards rise:
    /// before, a new candidate was judged by the writer's row alone and joined on the second cycle.
    @Test func aNewServerJoinsOnlyOnceItsOwnProbeAnswersAsAStandby() {
        var run = PoolRun(policy: PoolPolicy(realServerPort: 5432, rise: 2, fall: 2, removal: .delete))
        let node4 = replica("node4", "10.0.0.14")
        for _ in 1...4 {
            let result = run.rows(node4, probes: [at("10.0.0.14"): .connecting])
            #expect(result.pool.isEmpty)
            #expect(result.exclusions.contains(Exclusion(name: "node4", reason: .unproven)))
        }
        #expect(run.rows(node4).pool.isEmpty, "one answer as a standby is one good observation of two")
        #expect(run.rows(node4).pool == ["10.0.0.14 1"])
    }

    @Test func aServerNeverProbedNeverJoins() {
        var tracker = PoolTracker(adopting: [])
        let policy = PoolPolicy(realServerPort: 5432, rise: 1, fall: 1, removal: .delete)
        for now in 1...3 {
            let result = tracker.cycle(CycleInput(now: Double(now), writer: .reachable([replica("node4", "10.0.0.14")]),
                                                  probes: [:], staticCandidates: [], discovery: .writer, connections: [:],
                                                  maintenance: [:], primary: at("10.0.0.11")), policy: policy)
            #expect(result.members.isEmpty)
        }
    }

    /// A member whose probe reconnects (a reload, a slow backend fork) keeps its place on the
    /// writer's word; the gate is for joining, not for staying.
    @Test func aMemberKeepsItsPlaceWhileItsProbeReconnects() {
        var run = PoolRun(policy: PoolPolicy(realServerPort: 5432, rise: 1, fall: 1, removal: .delete))
        let node2 = replica("node2", "10.0.0.12")
        #expect(run.rows(node2).pool == ["10.0.0.12 1"])
        for _ in 1...3 {
            #expect(run.rows(node2, probes: [at("10.0.0.12"): .connecting]).pool == ["10.0.0.12 1"])
        }
    }
}
