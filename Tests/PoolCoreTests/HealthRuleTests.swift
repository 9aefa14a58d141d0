import Testing
import LVSModel
@testable import PoolCore

/// Which rows are eligible, and the named reason for each that is not.
@Suite struct HealthRuleTests {
    @Test func rowsThatAreNotStreamingReplicasStayOut() {
        var run = PoolRun()
        let result = run.rows(replica("node2", "10.0.0.12", state: "catchup"), replica("pg_basebackup", nil, state: "backup"),
                              replica("node3", "10.0.0.13"))
        #expect(result.pool == ["10.0.0.13 1"])
        #expect(result.exclusions == [
            Exclusion(name: "node2", reason: .notStreaming(state: "catchup")),
            Exclusion(name: "pg_basebackup", reason: .notStreaming(state: "backup")),
        ])
    }

    @Test func catchupIsAcceptedWhenStreamingIsNotRequired() {
        var run = PoolRun(policy: PoolPolicy(realServerPort: 5432, acceptedStates: ["streaming", "catchup"], rise: 1))
        #expect(run.rows(replica("node2", "10.0.0.12", state: "catchup")).pool == ["10.0.0.12 1"])
    }

    @Test func onlyAcceptedSyncStatesServe() {
        var run = PoolRun(policy: PoolPolicy(realServerPort: 5432, acceptedSyncStates: ["sync", "quorum"], rise: 1))
        let result = run.rows(replica("node2", "10.0.0.12", sync: "sync"), replica("node3", "10.0.0.13", sync: "async"))
        #expect(result.pool == ["10.0.0.12 1"])
        #expect(result.exclusions == [Exclusion(name: "node3", reason: .syncStateNotAccepted("async"))])
    }

    @Test func aReplicaBeyondMaxLagBytesIsExcludedWithItsLag() {
        var run = PoolRun(policy: PoolPolicy(realServerPort: 5432, rise: 1, fall: 1))
        let result = run.rows(replica("node2", "10.0.0.12", lag: 91 * 1024 * 1024), replica("node3", "10.0.0.13", lag: 16 * 1024 * 1024))
        #expect(result.pool == ["10.0.0.13 1"])
        #expect(result.exclusions.map(\.reason.description) == ["lagging (bytes: 91 MiB)"])
    }

    @Test func nullLagOnAnIdleReplicaIsNoLag() {
        var run = PoolRun(policy: PoolPolicy(realServerPort: 5432, maxLagSeconds: 5, rise: 1))
        #expect(run.rows(replica("node2", "10.0.0.12", lag: nil, lagSeconds: nil)).pool == ["10.0.0.12 1"])
    }

    @Test func maxLagSecondsIsOffByDefaultAndAppliesWhenSet() {
        var off = PoolRun()
        #expect(off.rows(replica("node2", "10.0.0.12", lagSeconds: 600)).pool == ["10.0.0.12 1"])
        var on = PoolRun(policy: PoolPolicy(realServerPort: 5432, maxLagSeconds: 5, rise: 1, fall: 1))
        let result = on.rows(replica("node2", "10.0.0.12", lagSeconds: 7.25))
        #expect(result.pool.isEmpty)
        #expect(result.exclusions.map(\.reason.description) == ["lagging (seconds: 7.3)"])
    }

    @Test(arguments: [Double.nan, .infinity, -.infinity])
    func aLagThatIsNoNumberIsUnknownNotHealthy(seconds: Double) {
        var run = PoolRun(policy: PoolPolicy(realServerPort: 5432, maxLagSeconds: 5, rise: 1, fall: 1))
        let result = run.rows(replica("node2", "10.0.0.12", lagSeconds: seconds), replica("node3", "10.0.0.13", lagSeconds: 1))
        #expect(result.pool == ["10.0.0.13 1"])
        #expect(result.exclusions.map(\.reason.description) == ["lag unknown (seconds: \(seconds))"])
        // Without max_lag_seconds the seconds are not judged at all.
        var off = PoolRun()
        #expect(off.rows(replica("node2", "10.0.0.12", lagSeconds: seconds)).pool == ["10.0.0.12 1"])
    }

    @Test func aProbedReplayDelayThatIsNoNumberIsUnknownNotHealthy() {
        let policy = PoolPolicy(realServerPort: 5432, maxLagSeconds: 5, rise: 1, fall: 1)
        // Fail-static (no writer): a standby that answers would keep its place.
        let verdict = CandidateEvaluation.judgeMissing(probe: .standby(replayDelaySeconds: .nan), writerAvailable: false,
                                                       lastSeenByWriter: nil, now: 10, policy: policy)
        guard case .bad(.lagUnknown(let seconds)) = verdict else {
            Issue.record("expected lag unknown, got \(verdict)")
            return
        }
        #expect(seconds.isNaN)
    }

    @Test func anEnormousLagIsDescribedNotTrapped() {
        #expect(ExclusionReason.laggingSeconds(1e300).description == "lagging (seconds: 1e+300)")
    }

    @Test func anUnresolvedNameIsReportedNotGuessed() {
        var run = PoolRun()
        let result = run.rows(replica("ghost", nil))
        #expect(result.members.isEmpty)
        #expect(result.exclusions == [Exclusion(name: "ghost", reason: .unresolvedAddress)])
    }

    @Test func twoRowsForOneServerGiveOneMember() {
        var run = PoolRun()
        let result = run.rows(replica("node2b", "10.0.0.12"), replica("node2", "10.0.0.12"))
        #expect(result.members.map(\.name) == ["node2"])
        #expect(result.exclusions == [Exclusion(name: "node2b", reason: .duplicateOf("node2"))])
    }

    /// The primary never appears in its own pg_stat_replication; a static list that names it is
    /// answered by its own probe.
    @Test func thePrimaryIsNeverAReadRealServer() {
        var run = PoolRun()
        let result = run.cycle(.reachable([replica("node2", "10.0.0.12")]),
                               probes: [at("10.0.0.11"): .notInRecovery, at("10.0.0.12"): .standby(replayDelaySeconds: 0)],
                               staticCandidates: [StaticCandidate(name: "node1", address: ip("10.0.0.11")),
                                                  StaticCandidate(name: "node2", address: ip("10.0.0.12"))],
                               discovery: .both)
        #expect(result.pool == ["10.0.0.12 1"])
        #expect(result.exclusions == [Exclusion(name: "node1", reason: .notAStandby)])
    }

    /// The seed's method 2: a static list, each checked by its own pg_is_in_recovery().
    @Test func staticDiscoveryTrustsEachServersOwnProbe() {
        var run = PoolRun()
        let candidates = ["node1": "10.0.0.11", "node2": "10.0.0.12", "node3": "10.0.0.13"].map {
            StaticCandidate(name: $0.key, address: ip($0.value))
        }
        let result = run.cycle(.unavailable("not asked"),
                               probes: [at("10.0.0.11"): .notInRecovery, at("10.0.0.12"): .standby(replayDelaySeconds: 3),
                                        at("10.0.0.13"): .unreachable("timeout")],
                               staticCandidates: candidates, discovery: .static)
        #expect(result.pool == ["10.0.0.12 1"])
    }

    /// A probe connection still being set up tells nothing: the writer's row decides, and a
    /// static server's streaks stand still (a daemon restart must not empty an adopted pool).
    @Test func aProbeStillConnectingLeavesTheDecisionToWhatElseIsKnown() {
        var run = PoolRun(policy: PoolPolicy(realServerPort: 5432, rise: 2, fall: 2, removal: .delete),
                          adopting: [Destination(endpoint: at("10.0.0.12"), forwarding: .directRoute, weight: 1)])
        for _ in 1...3 {
            #expect(run.rows(replica("node2", "10.0.0.12"), probes: [at("10.0.0.12"): .connecting]).pool == ["10.0.0.12 1"])
        }
        var statics = PoolRun(policy: PoolPolicy(realServerPort: 5432, rise: 2, fall: 1, removal: .delete),
                              adopting: [Destination(endpoint: at("10.0.0.13"), forwarding: .directRoute, weight: 1)])
        let node3 = [StaticCandidate(name: "node3", address: ip("10.0.0.13"))]
        for _ in 1...3 {
            let result = statics.cycle(.unavailable("not asked"), probes: [at("10.0.0.13"): .connecting],
                                       staticCandidates: node3, discovery: .static)
            #expect(result.pool == ["10.0.0.13 1"])
        }
        let failed = statics.cycle(.unavailable("not asked"), probes: [at("10.0.0.13"): .unreachable("no answer within 500ms")],
                                   staticCandidates: node3, discovery: .static)
        #expect(failed.pool.isEmpty)
    }

    @Test func aPoolBelowMinPoolWarnsEveryCycle() {
        var run = PoolRun(policy: PoolPolicy(realServerPort: 5432, rise: 1, minPool: 2))
        #expect(run.rows(replica("node2", "10.0.0.12")).warnings == ["the pool has 1 weighted real server(s), below min_pool 2"])
        #expect(run.rows(replica("node2", "10.0.0.12")).warnings.count == 1)
        #expect(run.rows(replica("node2", "10.0.0.12"), replica("node3", "10.0.0.13")).warnings.isEmpty)
    }

    @Test func lagWeightingScalesWeightsDownButNeverToZero() {
        let policy = PoolPolicy(defaultWeight: 10, realServerPort: 5432, maxLagBytes: 1000, rise: 1, lagWeighting: true)
        #expect(policy.effectiveWeight(10, lagBytes: 0) == 10)
        #expect(policy.effectiveWeight(10, lagBytes: 500) == 5)
        #expect(policy.effectiveWeight(10, lagBytes: 999) == 1)
        #expect(policy.effectiveWeight(0, lagBytes: 500) == 0)
        var run = PoolRun(policy: policy)
        #expect(run.rows(replica("node2", "10.0.0.12", lag: 250), replica("node3", "10.0.0.13", lag: 0)).pool
                == ["10.0.0.12 8", "10.0.0.13 10"])
        var off = PoolRun(policy: PoolPolicy(defaultWeight: 10, realServerPort: 5432, maxLagBytes: 1000, rise: 1))
        #expect(off.rows(replica("node2", "10.0.0.12", lag: 250)).pool == ["10.0.0.12 10"])
    }

    @Test func bytesAreDescribedForOperators() {
        #expect(ByteCount.describe(512) == "512 bytes")
        #expect(ByteCount.describe(16 * 1024 * 1024) == "16 MiB")
        #expect(ByteCount.describe(1536) == "1.5 KiB")
    }
}

/// Hostile or broken walsender rows.
@Suite struct ReplayAheadTests {
    /// A client can report any apply position: one ahead of the writer (lag -1 from the clamped
    /// query) is no evidence, neither of health nor, among duplicate rows, of being freshest.
    @Test func aReplayPositionAheadOfTheWriterIsNotHealthy() {
        var run = PoolRun()
        let result = run.rows(replica("node2", "10.0.0.12", lag: -1))
        #expect(result.pool.isEmpty)
        #expect(result.exclusions.contains(Exclusion(name: "node2", reason: .replayAheadOfWriter)))
        var duplicates = PoolRun()
        #expect(duplicates.rows(replica("node2", "10.0.0.12", lag: -1), replica("node2", "10.0.0.12", lag: 10)).pool == ["10.0.0.12 1"])
    }

    /// Adopted members whose rows cannot be matched yet (names still being looked up) keep their
    /// place while their own probe answers as a standby; a restart must not empty the pool.
    @Test func adoptedMembersSurviveRowsThatCannotBeMatchedYet() {
        var run = PoolRun(policy: PoolPolicy(realServerPort: 5432, rise: 2, fall: 2, removal: .delete),
                          adopting: [Destination(endpoint: at("10.0.0.12"), forwarding: .directRoute, weight: 1)])
        for _ in 1...4 {
            #expect(run.rows(replica("node2", nil), probes: [at("10.0.0.12"): .standby(replayDelaySeconds: 0)]).pool == ["10.0.0.12 1"])
        }
    }
}
