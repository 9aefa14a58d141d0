import LVSModel
import Testing
@testable import PoolCore

/// discovery: cascade — a standby streaming from another standby is found in its upstream's
/// pg_stat_replication (followed from the writer's rows), vouched for by its own probe and
/// judged on its own stream.
@Suite struct CascadeDiscoveryTests {
    let node3 = replica("node3", "10.0.0.13")
    let streaming = StandbyStream(receiverStatus: "streaming", timeline: 1, lagBytes: 0)

    func row(_ name: String, _ address: String, from upstream: String, lag: Int64? = 0) -> ReplicaObservation {
        var row = replica(name, address, lag: lag)
        row.upstream = at(upstream)
        return row
    }

    var node5: ReplicaObservation { row("node5", "10.0.0.15", from: "10.0.0.13") }

    /// One cycle: every row's server answers its probe as a caught-up standby streaming timeline
    /// 1 unless `probes`/`streams` say otherwise.
    func cycle(_ run: inout PoolRun, writerRows: [ReplicaObservation], cascaded: [ReplicaObservation],
               probes: [SocketEndpoint: ReplicaProbe] = [:], streams: [SocketEndpoint: StandbyStream] = [:],
               discovery: CandidateDiscovery = .cascade, writer: WriterView? = nil,
               statics: [StaticCandidate] = [], timeline: Int = 1) -> CycleResult {
        run.now += 1
        var allProbes = probes
        var allStreams = streams
        for row in writerRows + cascaded {
            guard let address = row.address else { continue }
            let endpoint = SocketEndpoint(address: address, port: 5432)
            if allProbes[endpoint] == nil { allProbes[endpoint] = .standby(replayDelaySeconds: 0) }
            if allStreams[endpoint] == nil { allStreams[endpoint] = streaming }
        }
        return run.tracker.cycle(CycleInput(now: run.now, writer: writer ?? .reachable(writerRows), probes: allProbes,
                                            staticCandidates: statics, discovery: discovery, primary: run.primary,
                                            writerTimeline: timeline, cascadedRows: cascaded, standbyStreams: allStreams),
                                 policy: run.policy)
    }

    func policy(maxLagBytes: Int64? = 1024, maxLagSeconds: Double? = nil, rise: Int = 1, fall: Int = 1,
                grace: Double = 30) -> PoolPolicy {
        PoolPolicy(realServerPort: 5432, maxLagBytes: maxLagBytes, maxLagSeconds: maxLagSeconds, rise: rise, fall: fall,
                   removal: .delete, reattachGraceSeconds: grace)
    }

    @Test func aCascadedStandbyJoinsOnceItsOwnProbeAnswers() {
        var run = PoolRun(policy: policy(rise: 2, fall: 2))
        for _ in 1...2 {
            let result = cycle(&run, writerRows: [node3], cascaded: [node5], probes: [at("10.0.0.15"): .connecting])
            #expect(result.pool.contains("10.0.0.15 1") == false, "its upstream's word is not enough")
        }
        _ = cycle(&run, writerRows: [node3], cascaded: [node5])
        #expect(cycle(&run, writerRows: [node3], cascaded: [node5]).pool == ["10.0.0.13 1", "10.0.0.15 1"])
        #expect(run.tracker.servers[at("10.0.0.15")]?.cascaded == true)
        #expect(run.tracker.servers[at("10.0.0.13")]?.cascaded == false)
    }

    /// node6 streams from node5, which streams from node3: two levels, followed in one cycle.
    @Test func chainsAreFollowedFromTheWriter() {
        var run = PoolRun(policy: policy())
        let node6 = row("node6", "10.0.0.16", from: "10.0.0.15")
        #expect(cycle(&run, writerRows: [node3], cascaded: [node6, node5]).pool == ["10.0.0.13 1", "10.0.0.15 1", "10.0.0.16 1"])
    }

    /// Two standbys naming each other, reached from no standby the writer lists, name nobody.
    @Test func aCycleThatNeverReachesTheWriterNamesNobody() {
        var run = PoolRun(policy: policy())
        let a = row("a", "10.0.0.21", from: "10.0.0.22"), b = row("b", "10.0.0.22", from: "10.0.0.21")
        for _ in 1...3 {
            #expect(cycle(&run, writerRows: [node3], cascaded: [a, b]).pool == ["10.0.0.13 1"])
        }
    }

    /// An upstream that is not itself good this cycle (lagging, or its probe failing) names nobody.
    @Test func anUpstreamThatIsNotVouchedForNamesNobody() {
        var run = PoolRun(policy: policy())
        let lagging = replica("node3", "10.0.0.13", lag: 1 << 20)
        #expect(cycle(&run, writerRows: [lagging], cascaded: [node5]).pool.isEmpty)
        #expect(cycle(&run, writerRows: [node3], cascaded: [node5], probes: [at("10.0.0.13"): .unreachable("timeout")]).pool.isEmpty)
    }

    @Test func otherModesIgnoreCascadedRows() {
        var run = PoolRun(policy: policy())
        for _ in 1...3 {
            #expect(cycle(&run, writerRows: [node3], cascaded: [node5], discovery: .writer).pool == ["10.0.0.13 1"])
        }
    }

    @Test func aCascadedRowLaggingBeyondTheLimitIsOut() {
        var run = PoolRun(policy: policy())
        let result = cycle(&run, writerRows: [node3], cascaded: [row("node5", "10.0.0.15", from: "10.0.0.13", lag: 4096)])
        #expect(result.pool == ["10.0.0.13 1"])
        #expect(result.exclusions.contains(Exclusion(name: "node5", reason: .laggingBytes(4096))))
    }

    /// An upstream calling its downstream caught up does not outweigh the downstream's own account.
    @Test func itsOwnLagOutweighsItsUpstreamsWord() {
        var run = PoolRun(policy: policy())
        let result = cycle(&run, writerRows: [node3], cascaded: [node5],
                           streams: [at("10.0.0.15"): StandbyStream(receiverStatus: "streaming", timeline: 1, lagBytes: 8192)])
        #expect(result.pool == ["10.0.0.13 1"])
        #expect(result.exclusions.contains(Exclusion(name: "node5", reason: .laggingBytes(8192))))
    }

    /// Listed by an upstream, but streaming another timeline than the writer's.
    @Test func aListedStandbyOnAnotherTimelineIsOut() {
        var run = PoolRun(policy: policy())
        let result = cycle(&run, writerRows: [node3], cascaded: [node5],
                           streams: [at("10.0.0.15"): StandbyStream(receiverStatus: "streaming", timeline: 7, lagBytes: 0)])
        #expect(result.pool == ["10.0.0.13 1"])
        #expect(result.exclusions.contains(Exclusion(name: "node5", reason: .otherTimeline(7, writer: 1))))
    }

    /// Ahead of the writer by more than it could have written meanwhile: the daemon reports -1.
    @Test func aRowAheadOfTheWriterIsOut() {
        var run = PoolRun(policy: policy())
        let result = cycle(&run, writerRows: [node3], cascaded: [row("node5", "10.0.0.15", from: "10.0.0.13", lag: -1)])
        #expect(result.exclusions.contains(Exclusion(name: "node5", reason: .replayAheadOfWriter)))
    }

    /// The writer's position was not read this round: the lag is unknown and teaches nothing,
    /// neither joining nor leaving.
    @Test func anUnknownLagTeachesNothing() {
        var run = PoolRun(policy: policy(rise: 1, fall: 1))
        let unknown = row("node5", "10.0.0.15", from: "10.0.0.13", lag: nil)
        #expect(cycle(&run, writerRows: [node3], cascaded: [unknown]).pool == ["10.0.0.13 1"])
        #expect(cycle(&run, writerRows: [node3], cascaded: [node5]).pool == ["10.0.0.13 1", "10.0.0.15 1"])
        #expect(cycle(&run, writerRows: [node3], cascaded: [unknown]).pool == ["10.0.0.13 1", "10.0.0.15 1"])
    }

    /// The writer's row wins for a server both list (it moved from a standby to the writer).
    @Test func theWritersRowWins() {
        var run = PoolRun(policy: policy())
        let result = cycle(&run, writerRows: [node3, replica("node5", "10.0.0.15")],
                           cascaded: [row("node5", "10.0.0.15", from: "10.0.0.13", lag: 4096)])
        #expect(result.pool == ["10.0.0.13 1", "10.0.0.15 1"])
        #expect(run.tracker.servers[at("10.0.0.15")]?.cascaded == false)
    }

    /// Its upstream cannot be probed (or died and it re-attached elsewhere): no standby lists
    /// it, but its own stream is up and caught up — it stays, however long.
    @Test func aMemberNoUpstreamListsStaysWhileItsOwnStreamHolds() {
        var run = PoolRun(policy: policy(grace: 2))
        #expect(cycle(&run, writerRows: [node3], cascaded: [node5]).pool == ["10.0.0.13 1", "10.0.0.15 1"])
        for _ in 1...5 {
            let result = cycle(&run, writerRows: [node3], cascaded: [], probes: [at("10.0.0.15"): .standby(replayDelaySeconds: 0)],
                               streams: [at("10.0.0.15"): streaming])
            #expect(result.pool == ["10.0.0.13 1", "10.0.0.15 1"])
        }
    }

    /// Also when it is on the static list too (cascade takes listed servers as `both` does).
    @Test func aListedMemberNoUpstreamListsStaysWhileItsOwnStreamHolds() {
        var run = PoolRun(policy: policy(grace: 0))
        let statics = [StaticCandidate(name: "node5", address: ip("10.0.0.15"))]
        #expect(cycle(&run, writerRows: [node3], cascaded: [node5], statics: statics).pool == ["10.0.0.13 1", "10.0.0.15 1"])
        let result = cycle(&run, writerRows: [node3], cascaded: [], probes: [at("10.0.0.15"): .standby(replayDelaySeconds: 0)],
                           streams: [at("10.0.0.15"): streaming], statics: statics)
        #expect(result.pool == ["10.0.0.13 1", "10.0.0.15 1"])
    }

    @Test func itLeavesWhenItsOwnStreamBreaks() {
        var run = PoolRun(policy: policy(fall: 2))
        _ = cycle(&run, writerRows: [node3], cascaded: [node5])
        let broken = [at("10.0.0.15"): StandbyStream(receiverStatus: nil, timeline: nil, lagBytes: 0)]
        let probes: [SocketEndpoint: ReplicaProbe] = [at("10.0.0.13"): .gone("connection refused"),
                                                      at("10.0.0.15"): .standby(replayDelaySeconds: 0)]
        #expect(cycle(&run, writerRows: [], cascaded: [], probes: probes, streams: broken).pool == ["10.0.0.15 1"],
                "one bad observation of fall 2")
        let result = cycle(&run, writerRows: [], cascaded: [], probes: probes, streams: broken)
        #expect(result.pool.isEmpty)
        #expect(result.transitions.contains(PoolTransition(name: "node5", endpoint: at("10.0.0.15"),
                                                           kind: .left(.receiverNotStreaming(nil)))))
        #expect("\(ExclusionReason.receiverNotStreaming(nil))" == "no WAL receiver runs")
        #expect("\(ExclusionReason.receiverNotStreaming("waiting"))" == "its WAL receiver is not streaming (status: waiting)")
    }

    /// Just after a promotion a member whose receiver re-attaches keeps its place for reattach_grace.
    @Test func aReattachingMemberIsHeldAfterAPromotion() {
        var run = PoolRun(policy: policy(grace: 5))
        _ = cycle(&run, writerRows: [node3], cascaded: [node5])
        let waiting = [at("10.0.0.15"): StandbyStream(receiverStatus: "waiting", timeline: 1, lagBytes: 0)]
        let result = cycle(&run, writerRows: [], cascaded: [], probes: [at("10.0.0.15"): .standby(replayDelaySeconds: 0)],
                           streams: waiting, timeline: 2)
        #expect(result.pool == ["10.0.0.15 1"])
    }

    @Test func itLeavesWhenItsOwnLagGrows() {
        var run = PoolRun(policy: policy())
        _ = cycle(&run, writerRows: [node3], cascaded: [node5])
        let result = cycle(&run, writerRows: [node3], cascaded: [], probes: [at("10.0.0.15"): .standby(replayDelaySeconds: 0)],
                           streams: [at("10.0.0.15"): StandbyStream(receiverStatus: "streaming", timeline: 1, lagBytes: 8192)])
        #expect(result.pool == ["10.0.0.13 1"])
        #expect(result.exclusions.contains(Exclusion(name: "node5", reason: .laggingBytes(8192))))
    }

    /// With only max_lag_seconds, its own replay delay decides.
    @Test func itsReplayDelayCountsAgainstMaxLagSeconds() {
        var run = PoolRun(policy: policy(maxLagBytes: nil, maxLagSeconds: 10))
        _ = cycle(&run, writerRows: [node3], cascaded: [node5])
        let result = cycle(&run, writerRows: [node3], cascaded: [], probes: [at("10.0.0.15"): .standby(replayDelaySeconds: 60)],
                           streams: [at("10.0.0.15"): streaming])
        #expect(result.pool == ["10.0.0.13 1"])
        #expect(result.exclusions.contains(Exclusion(name: "node5", reason: .laggingSeconds(60))))
    }

    /// Streaming from a server on another timeline (an old primary left running after a
    /// failover) is not following the writer.
    @Test func anotherTimelineIsNotTheWriters() {
        var run = PoolRun(policy: policy())
        _ = cycle(&run, writerRows: [node3], cascaded: [node5])
        let result = cycle(&run, writerRows: [node3], cascaded: [], probes: [at("10.0.0.15"): .standby(replayDelaySeconds: 0)],
                           streams: [at("10.0.0.15"): StandbyStream(receiverStatus: "streaming", timeline: 7, lagBytes: 0)])
        #expect(result.pool == ["10.0.0.13 1"])
        #expect(result.exclusions.contains(Exclusion(name: "node5", reason: .otherTimeline(7, writer: 1))))
    }

    /// A writer-discovered member keeps today's rule when it vanishes from the rows: its own
    /// stream does not hold it (the writer's word is what vouched for it).
    @Test func aWriterDiscoveredMemberIsNotHeldByItsOwnStream() {
        var run = PoolRun(policy: policy(grace: 0))
        _ = cycle(&run, writerRows: [node3], cascaded: [])
        let result = cycle(&run, writerRows: [], cascaded: [], probes: [at("10.0.0.13"): .standby(replayDelaySeconds: 0)],
                           streams: [at("10.0.0.13"): streaming])
        #expect(result.pool.isEmpty)
        #expect(result.exclusions.contains(Exclusion(name: "node3", reason: .notInReplication)))
    }

    /// Fail-static: with no writer, cascaded members keep their place like the others.
    @Test func failStaticHoldsCascadedMembers() {
        var run = PoolRun(policy: policy())
        _ = cycle(&run, writerRows: [node3], cascaded: [node5])
        let result = cycle(&run, writerRows: [], cascaded: [node5], probes: [at("10.0.0.13"): .standby(replayDelaySeconds: 0),
                                                                              at("10.0.0.15"): .standby(replayDelaySeconds: 0)],
                           writer: .unavailable("timeout"))
        #expect(result.pool == ["10.0.0.13 1", "10.0.0.15 1"])
    }
}
