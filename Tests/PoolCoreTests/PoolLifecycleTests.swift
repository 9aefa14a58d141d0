import Testing
import LVSModel
@testable import PoolCore

/// Rise/fall, removal, fail-static, fallback and maintenance, cycle by cycle.
@Suite struct PoolLifecycleTests {
    let node2 = replica("node2", "10.0.0.12")
    let node3 = replica("node3", "10.0.0.13")

    @Test func aNewReplicaJoinsAfterRiseGoodObservations() {
        var run = PoolRun(policy: PoolPolicy(rise: 2, fall: 2))
        #expect(run.rows(node2).pool.isEmpty)
        let second = run.rows(node2)
        #expect(second.pool == ["10.0.0.12 1"])
        #expect(second.transitions.map(\.description) == ["node2 10.0.0.12:5432 joined the pool"])
    }

    @Test func membersCarryTheTimeOfTheirLastChange() {
        var run = PoolRun(policy: PoolPolicy(rise: 2, fall: 1, removal: .quiesce))
        _ = run.rows(node2)                                   // t=1
        #expect(run.rows(node2).members.first?.since == 2)    // joined at t=2
        #expect(run.rows(node2).members.first?.since == 2)    // unchanged at t=3
        run.connections = [at("10.0.0.12"): ConnectionCounts(active: 1, inactive: 0)]
        #expect(run.rows().members.first?.since == 4)         // draining since t=4
    }

    @Test func oneBadObservationDoesNotRemoveAServerWhenFallIsTwo() {
        var run = PoolRun(policy: PoolPolicy(rise: 1, fall: 2, removal: .delete))
        _ = run.rows(node2)
        let lagging = replica("node2", "10.0.0.12", lag: 90 * 1024 * 1024)
        #expect(run.rows(lagging).pool == ["10.0.0.12 1"])
        #expect(run.rows(node2).pool == ["10.0.0.12 1"])
        #expect(run.rows(lagging).pool == ["10.0.0.12 1"])
        let gone = run.rows(lagging)
        #expect(gone.pool.isEmpty)
        #expect(gone.transitions.map(\.description) == ["node2 10.0.0.12:5432 left the pool: lagging (bytes: 90 MiB)"])
    }

    @Test func theTrackerSettlesWhileCountingRiseOrFall() {
        let policy = PoolPolicy(rise: 2, fall: 2, removal: .delete)
        var run = PoolRun(policy: policy)
        #expect(!run.tracker.isSettling(policy: policy))
        _ = run.rows(node2)                                  // one good of two
        #expect(run.tracker.isSettling(policy: policy))
        _ = run.rows(node2)                                  // joined
        #expect(!run.tracker.isSettling(policy: policy))
        let lagging = replica("node2", "10.0.0.12", lag: 90 * 1024 * 1024)
        _ = run.rows(lagging)                                // one bad of two
        #expect(run.tracker.isSettling(policy: policy))
        _ = run.rows(lagging)                                // left
        #expect(!run.tracker.isSettling(policy: policy))
        _ = run.rows(lagging)                                // out and still bad: nothing pending
        #expect(!run.tracker.isSettling(policy: policy))
    }

    @Test func aDeadPostmasterFallsAtOnceAndIsNotDrained() {
        var run = PoolRun(policy: PoolPolicy(rise: 1, fall: 3, removal: .quiesce))
        _ = run.rows(node2, node3)
        let result = run.rows(node3, probes: [at("10.0.0.12"): .gone("connection refused")])
        #expect(result.pool == ["10.0.0.13 1"])
        #expect(result.transitions.map(\.description) == ["node2 10.0.0.12:5432 left the pool: postmaster gone: connection refused"])
    }

    @Test func quiesceSetsWeightZeroThenDeletesOnceIdle() {
        var run = PoolRun(policy: PoolPolicy(rise: 1, fall: 1, removal: .quiesce, drainTimeoutSeconds: 60))
        _ = run.rows(node2, node3)
        run.connections = [at("10.0.0.12"): ConnectionCounts(active: 2, inactive: 1)]
        let draining = run.rows(node3, replica("node2", "10.0.0.12", state: "catchup"))
        #expect(draining.pool == ["10.0.0.12 0", "10.0.0.13 1"])
        #expect(draining.members[0].role == .draining(.notStreaming(state: "catchup")))
        #expect(run.rows(node3).pool == ["10.0.0.12 0", "10.0.0.13 1"])
        run.connections = [at("10.0.0.12"): ConnectionCounts(active: 0, inactive: 0)]
        let drained = run.rows(node3)
        #expect(drained.pool == ["10.0.0.13 1"])
        #expect(drained.transitions.map(\.description) == ["node2 10.0.0.12:5432 drained and removed"])
    }

    @Test func aDrainingServerIsDeletedAfterDrainTimeoutEvenWithConnections() {
        var run = PoolRun(policy: PoolPolicy(rise: 1, fall: 1, removal: .quiesce, drainTimeoutSeconds: 3))
        _ = run.rows(node2, node3)
        run.connections = [at("10.0.0.12"): ConnectionCounts(active: 5, inactive: 0)]
        #expect(run.rows(node3).pool == ["10.0.0.12 0", "10.0.0.13 1"])  // t=2, draining since 2
        #expect(run.rows(node3).pool == ["10.0.0.12 0", "10.0.0.13 1"])  // t=3
        #expect(run.rows(node3).pool == ["10.0.0.12 0", "10.0.0.13 1"])  // t=4
        #expect(run.rows(node3).pool == ["10.0.0.13 1"])                 // t=5: 3 s passed
    }

    @Test func aServerThatComesBackWhileDrainingReturns() {
        var run = PoolRun(policy: PoolPolicy(rise: 2, fall: 1, removal: .quiesce, drainTimeoutSeconds: 60))
        _ = run.rows(node2, node3)
        _ = run.rows(node2, node3)
        run.connections = [at("10.0.0.12"): ConnectionCounts(active: 3, inactive: 0)]
        #expect(run.rows(node3).pool == ["10.0.0.12 0", "10.0.0.13 1"])
        #expect(run.rows(node2, node3).pool == ["10.0.0.12 0", "10.0.0.13 1"])   // one good: rise is 2
        let back = run.rows(node2, node3)
        #expect(back.pool == ["10.0.0.12 1", "10.0.0.13 1"])
        #expect(back.transitions.map(\.description) == ["node2 10.0.0.12:5432 joined the pool"])
    }

    @Test func deleteModeRemovesAtOnceAfterFall() {
        var run = PoolRun(policy: PoolPolicy(rise: 1, fall: 1, removal: .delete))
        _ = run.rows(node2, node3)
        run.connections = [at("10.0.0.12"): ConnectionCounts(active: 3, inactive: 0)]
        #expect(run.rows(node3).pool == ["10.0.0.13 1"])
    }

    @Test func failStaticKeepsThePoolWhileTheWriterIsUnreachable() {
        var run = PoolRun(policy: PoolPolicy(rise: 1, fall: 2, removal: .delete))
        _ = run.rows(node2, node3)
        for _ in 0..<6 {
            let held = run.cycle(.unavailable("connection to the writer VIP timed out"))
            #expect(held.pool == ["10.0.0.12 1", "10.0.0.13 1"])
        }
    }

    @Test func failStaticStillRemovesServersWhoseOwnProbeFails() {
        var run = PoolRun(policy: PoolPolicy(rise: 1, fall: 2, removal: .delete))
        _ = run.rows(node2, node3)
        let standby = ReplicaProbe.standby(replayDelaySeconds: 1)
        let probes: [SocketEndpoint: ReplicaProbe] = [at("10.0.0.12"): standby, at("10.0.0.13"): .unreachable("timeout")]
        #expect(run.cycle(.unavailable("writer down"), probes: probes).pool == ["10.0.0.12 1", "10.0.0.13 1"])
        #expect(run.cycle(.unavailable("writer down"), probes: probes).pool == ["10.0.0.12 1"])
        let gone = run.cycle(.unavailable("writer down"), probes: [at("10.0.0.12"): .gone("connection refused")])
        #expect(gone.pool.isEmpty)
    }

    /// A promotion: the new writer lists no replica for a few seconds while they re-attach.
    @Test func replicasReattachingToANewWriterKeepTheirPlace() {
        var run = PoolRun(policy: PoolPolicy(rise: 2, fall: 2, removal: .delete, reattachGraceSeconds: 5))
        _ = run.rows(node2, node3)
        _ = run.rows(node2, node3)
        let standbys: [SocketEndpoint: ReplicaProbe] = [at("10.0.0.12"): .standby(replayDelaySeconds: 0),
                                                         at("10.0.0.13"): .standby(replayDelaySeconds: 0)]
        for _ in 0..<3 {
            #expect(run.cycle(.reachable([]), probes: standbys).pool == ["10.0.0.12 1", "10.0.0.13 1"])
        }
        #expect(run.rows(node2, node3, probes: standbys).pool == ["10.0.0.12 1", "10.0.0.13 1"])
    }

    /// The lab's failover (CI, 2026-11-26): right after the promotion both replicas showed
    /// startup, then catchup, to the new writer for a moment; fall 2 on fast rounds took both out
    /// and the pool was empty for a sample.
    @Test func replicasInCatchupRightAfterAPromotionKeepTheirPlace() {
        var run = PoolRun(policy: PoolPolicy(rise: 1, fall: 1, removal: .delete, reattachGraceSeconds: 3))
        run.timeline = 1
        _ = run.rows(node2, node3)
        run.timeline = 2
        let catchingUp = run.rows(replica("node2", "10.0.0.12", state: "startup"), replica("node3", "10.0.0.13", state: "catchup"))
        #expect(catchingUp.pool == ["10.0.0.12 1", "10.0.0.13 1"])
        #expect(run.rows(node2, replica("node3", "10.0.0.13", state: "catchup")).pool == ["10.0.0.12 1", "10.0.0.13 1"])
        // Still in catchup once the grace (3 s after the new timeline was seen) has passed: it leaves.
        for _ in 0..<2 { _ = run.rows(node2, replica("node3", "10.0.0.13", state: "catchup")) }
        let late = run.rows(node2, replica("node3", "10.0.0.13", state: "catchup"))
        #expect(late.pool == ["10.0.0.12 1"])
    }

    /// Without a promotion, a member whose row falls back to catchup leaves as fall says.
    @Test func catchupWithoutAPromotionStillCountsFall() {
        var run = PoolRun(policy: PoolPolicy(rise: 1, fall: 1, removal: .delete, reattachGraceSeconds: 30))
        run.timeline = 1
        _ = run.rows(node2, node3)
        #expect(run.rows(node2, replica("node3", "10.0.0.13", state: "catchup")).pool == ["10.0.0.12 1"])
    }

    @Test func aReplicaThatNeverReattachesLeavesAfterTheGrace() {
        var run = PoolRun(policy: PoolPolicy(rise: 1, fall: 1, removal: .delete, reattachGraceSeconds: 2))
        _ = run.rows(node2)
        let probes: [SocketEndpoint: ReplicaProbe] = [at("10.0.0.12"): .standby(replayDelaySeconds: 0)]
        #expect(run.cycle(.reachable([]), probes: probes).pool == ["10.0.0.12 1"])   // 1 s after last seen
        #expect(run.cycle(.reachable([]), probes: probes).pool == ["10.0.0.12 1"])   // 2 s
        let left = run.cycle(.reachable([]), probes: probes)                          // 3 s
        #expect(left.pool.isEmpty)
        #expect(left.transitions.map(\.description) == ["node2 10.0.0.12:5432 left the pool: not in the writer's pg_stat_replication"])
    }

    /// The measured defect of the seed: writer VIP gone 6 s, then a promoted node2 whose
    /// replicas re-attach seconds later. The pool must never be empty.
    @Test func aFailoverWithTheWriterGoneForSixSecondsNeverEmptiesThePool() {
        var run = PoolRun(policy: PoolPolicy(rise: 2, fall: 2, removal: .quiesce, reattachGraceSeconds: 30))
        let node4 = replica("node4", "10.0.0.14")
        _ = run.rows(node2, node3, node4)
        _ = run.rows(node2, node3, node4)
        var standbys: [SocketEndpoint: ReplicaProbe] = [at("10.0.0.12"): .standby(replayDelaySeconds: 0),
                                                        at("10.0.0.13"): .standby(replayDelaySeconds: 0),
                                                        at("10.0.0.14"): .standby(replayDelaySeconds: 0)]
        var sizes: [Int] = []
        for _ in 0..<6 { sizes.append(run.cycle(.unavailable("writer VIP gone"), probes: standbys).pool.count) }
        // node2 is promoted: its own probe says primary; node3 and node4 are not attached yet.
        standbys[at("10.0.0.12")] = .notInRecovery
        for _ in 0..<3 { sizes.append(run.cycle(.reachable([]), probes: standbys).pool.filter { !$0.hasSuffix(" 0") }.count) }
        let settled = run.rows(node3, node4, probes: standbys)
        sizes.append(settled.members.filter { $0.weight > 0 }.count)
        #expect(!sizes.contains(0), "the pool was empty in some cycle: \(sizes)")
        #expect(settled.members.filter { $0.weight > 0 }.map(\.name) == ["node3", "node4"])
        // The promoted node2 left (no connections to drain): a primary is never a read real server.
        #expect(!settled.members.contains { $0.name == "node2" })
    }

    @Test func fallbackPutsThePrimaryInOnlyWhileNoReplicaQualifies() {
        var run = PoolRun(policy: PoolPolicy(rise: 1, fall: 1, removal: .delete, fallbackToPrimary: true))
        _ = run.rows(node2)
        let fallback = run.rows(replica("node2", "10.0.0.12", state: "catchup"))
        #expect(fallback.pool == ["10.0.0.11 1"])
        #expect(fallback.members[0].role == .fallback)
        let back = run.rows(node2)
        #expect(back.pool == ["10.0.0.12 1"])
        #expect(back.transitions.map(\.description).contains("a replica is eligible again: the primary 10.0.0.11:5432 leaves the pool"))
    }

    @Test func withoutFallbackAnEmptyPoolStaysEmpty() {
        var run = PoolRun(policy: PoolPolicy(rise: 1, fall: 1, removal: .delete))
        _ = run.rows(node2)
        #expect(run.rows().pool.isEmpty)
    }

    /// Whitelist + fallback: when only non-whitelisted (weight 0) replicas are left, no replica
    /// takes new connections, so the primary does.
    @Test func theWhitelistAndFallbackTogether() {
        var run = PoolRun(policy: PoolPolicy(defaultWeight: 0, weights: ["node2": 1], rise: 1, fall: 1, removal: .delete,
                                             fallbackToPrimary: true))
        #expect(run.rows(node2, replica("node4", "10.0.0.14")).pool == ["10.0.0.12 1", "10.0.0.14 0"])
        #expect(run.rows(replica("node4", "10.0.0.14")).pool == ["10.0.0.11 1", "10.0.0.14 0"])
    }

    @Test func maintenanceDrainsOrExcludesWithoutConfigChanges() {
        var run = PoolRun()
        run.maintenance = ["node2": .drain, "10.0.0.13": .exclude]
        let result = run.rows(node2, node3, replica("node4", "10.0.0.14"))
        #expect(result.pool == ["10.0.0.12 0", "10.0.0.14 1"])
        #expect(result.members[0].role == .maintenance)
        #expect(result.exclusions.contains(Exclusion(name: "node3", reason: .maintenance)))
        run.maintenance = [:]
        #expect(run.rows(node2, node3, replica("node4", "10.0.0.14")).pool == ["10.0.0.12 1", "10.0.0.13 1", "10.0.0.14 1"])
    }

    @Test func adoptionKeepsWhatTheKernelHolds() {
        let kernel = [Destination(endpoint: at("10.0.0.12"), forwarding: .directRoute, weight: 1),
                      Destination(endpoint: at("10.0.0.13"), forwarding: .directRoute, weight: 1)]
        var run = PoolRun(policy: PoolPolicy(rise: 2, fall: 2), adopting: kernel)
        let first = run.rows(node2, node3)
        #expect(first.pool == ["10.0.0.12 1", "10.0.0.13 1"])
        #expect(first.transitions.isEmpty)
    }
}
