import LVSModel
import PoolCore
import Testing
@testable import RoundCore

/// What the decider remembers between rounds: a restart adopts the kernel's table, a reload
/// forgets dropped services, and exclusions, pool warnings and the marks' problem are said
/// only when they change.
@Suite struct PoolMemoryTests {
    private static func adoptedKernel() -> KernelService {
        KernelService(service: readerService, destinations: [
            Destination(endpoint: endpoint(2), forwarding: .directRoute, weight: 1),
            Destination(endpoint: endpoint(3), forwarding: .directRoute, weight: 1),
        ])
    }

    @Test func aRestartAdoptsTheKernelsTableWithoutOperations() {
        var harness = DeciderHarness()
        harness.policy.services[0].policy.weights = [:]
        harness.kernel = PoolMemoryTests.adoptedKernel()
        // The writer's first answer is on its way: nothing is touched.
        let waiting = harness.round(probes: standbys(2, 3))
        #expect(waiting.steps().isEmpty && waiting.lines.isEmpty)
        #expect(harness.decider.results["reader"]?.members.map(\.endpoint) == [endpoint(2), endpoint(3)])
        // It answers with the same servers: still nothing to do.
        let answered = harness.round(rows: [row("node2", 2), row("node3", 3)])
        #expect(answered.steps().isEmpty)
        #expect(harness.pool == ["10.0.0.2 1", "10.0.0.3 1"])
    }

    @Test func anAdoptedServerAtWeightZeroIsDraining() {
        var harness = DeciderHarness()
        harness.kernel = KernelService(service: readerService, destinations: [
            Destination(endpoint: endpoint(2), forwarding: .directRoute, weight: 0,
                        connections: ConnectionCounts(active: 4)),
        ])
        // Nothing heard of it yet (no writer, no probe): it keeps draining while it has sessions.
        let decision = harness.round(probes: [:])
        #expect(decision.steps().isEmpty)
        #expect(harness.decider.trackers["reader"]?.servers[endpoint(2)]?.status
            == .draining(since: 1, reason: .notInReplication))
    }

    @Test func aDroppedServiceIsForgottenAndAdoptsTheTableWhenConfiguredAgain() {
        var harness = DeciderHarness()
        harness.round(rows: [row("node2", 2), row("node4", 4, state: "catchup")])
        let configured = harness.policy.services
        // The reload drops it: no decision, its entries left as they are.
        harness.decider.forget("reader")
        harness.policy.services = []
        #expect(harness.decider.trackers["reader"] == nil && harness.decider.results["reader"] == nil)
        let dropped = harness.round(rows: [row("node2", 2), row("node4", 4, state: "catchup")])
        #expect(dropped.services.isEmpty)
        #expect(harness.pool == ["10.0.0.2 1"])
        // Configured again: it adopts the table (no drift, no operations) and says its
        // exclusions again.
        harness.kernel.destinations[0].weight = 1
        harness.policy.services = configured
        let again = harness.round(rows: [row("node2", 2), row("node4", 4, state: "catchup")])
        #expect(again.steps().isEmpty)
        #expect(again.lines.filter { $0.hasPrefix("not serving: node4") }.count == 1)
    }

    @Test func anExclusionIsSaidOnlyWhenItStartsOrChanges() {
        var harness = DeciderHarness()
        let rows = [row("node2", 2), row("node4", 4, state: "catchup")]
        let first = harness.round(rows: rows)
        #expect(first.lines.filter { $0.hasPrefix("not serving: node4: ") }.count == 1)
        let event = first[service: "reader"]?.events.first { $0.message.hasPrefix("not serving") }
        #expect(event?.metadata["real_server.name"] == "node4" && event?.metadata["reason"] != nil)
        #expect(harness.round(rows: rows).lines.isEmpty)
        let changed = harness.round(rows: [row("node2", 2), row("node4", 4, state: "startup")])
        #expect(changed.lines.filter { $0.hasPrefix("not serving: node4: ") }.count == 1)
    }

    @Test func aLaggingServerIsSaidOnceWhileItsLagMoves() {
        var harness = DeciderHarness()
        harness.policy.services[0].policy.maxLagSeconds = 5
        func lagging(bytes: Int64, seconds: Double?) -> [ReplicaObservation] {
            var node4 = row("node4", 4)
            node4.replayLagBytes = bytes
            node4.replayLagSeconds = seconds
            return [row("node2", 2), node4]
        }
        let said = { (decision: RoundDecision) in decision.lines.filter { $0.hasPrefix("not serving: node4: ") } }
        #expect(said(harness.round(rows: lagging(bytes: 20 << 20, seconds: 1))) == ["not serving: node4: lagging (bytes: 20 MiB)"])
        // The lag grows round after round: nothing new to say.
        #expect(said(harness.round(rows: lagging(bytes: 25 << 20, seconds: 1))).isEmpty)
        #expect(said(harness.round(rows: lagging(bytes: 31 << 20, seconds: 2))).isEmpty)
        // Another kind of reason is news; a NaN lag (never equal to itself) is said once.
        #expect(said(harness.round(rows: lagging(bytes: 0, seconds: 9))) == ["not serving: node4: lagging (seconds: 9)"])
        #expect(said(harness.round(rows: lagging(bytes: 0, seconds: .nan))).count == 1)
        #expect(said(harness.round(rows: lagging(bytes: 0, seconds: .nan))).isEmpty)
    }

    @Test func twoRowsOfOneNameDoNotTakeTurnsInTheJournal() {
        var harness = DeciderHarness()
        // pg_basebackup -X stream: one row in state backup, one streaming WAL; the name is no host.
        func rows(backupFirst: Bool) -> [ReplicaObservation] {
            var backup = row("pg_basebackup", 9, state: "backup")
            backup.address = nil
            var wal = row("pg_basebackup", 9)
            wal.address = nil
            return [row("node2", 2)] + (backupFirst ? [backup, wal] : [wal, backup])
        }
        let said = { (decision: RoundDecision) in decision.lines.filter { $0.hasPrefix("not serving: pg_basebackup: ") } }
        #expect(Set(said(harness.round(rows: rows(backupFirst: true))))
            == ["not serving: pg_basebackup: not streaming (state: backup)", "not serving: pg_basebackup: unresolved address"])
        #expect(said(harness.round(rows: rows(backupFirst: false))).isEmpty)
        #expect(said(harness.round(rows: rows(backupFirst: true))).isEmpty)
    }

    @Test func reasonsThatTakeTurnsAreSaidOnceEachWhileTheServerStaysOut() {
        var harness = DeciderHarness()
        let rows = [row("node2", 2), row("node4", 4)]
        let connecting: [SocketEndpoint: ReplicaProbe] = [endpoint(2): .standby(replayDelaySeconds: 0), endpoint(4): .connecting]
        let timedOut: [SocketEndpoint: ReplicaProbe] = [endpoint(2): .standby(replayDelaySeconds: 0),
                                                        endpoint(4): .unreachable("timeout expired")]
        let said = { (decision: RoundDecision) in decision.lines.filter { $0.hasPrefix("not serving: node4: ") } }
        var lines: [String] = []
        for turn in 0..<6 { lines += said(harness.round(rows: rows, probes: turn.isMultiple(of: 2) ? connecting : timedOut)) }
        #expect(lines.count == 2, "\(lines)")
        // Once it has served, a later exclusion is news again.
        harness.round(rows: rows)
        #expect(harness.pool.contains("10.0.0.4 1"))
        #expect(said(harness.round(rows: rows, probes: timedOut)).count == 1)
    }

    @Test func aServerThatLeftStaysProbedForAMinuteUnlessItJoinsAgain() {
        var harness = DeciderHarness()
        harness.round(rows: [row("node2", 2), row("node4", 4)])
        #expect(harness.decider.recentlyDeparted.isEmpty)
        // node4's postmaster dies: its row goes and its probe is refused.
        let gone: [SocketEndpoint: ReplicaProbe] = [endpoint(2): .standby(replayDelaySeconds: 0), endpoint(4): .gone("refused")]
        harness.round(rows: [row("node2", 2)], probes: gone)
        #expect(harness.pool == ["10.0.0.2 1"])
        #expect(harness.decider.recentlyDeparted == ["reader": [endpoint(4)]])
        harness.round(after: 59, rows: [row("node2", 2)], probes: gone)
        #expect(harness.decider.recentlyDeparted == ["reader": [endpoint(4)]])
        harness.round(after: 1, rows: [row("node2", 2)], probes: gone)
        #expect(harness.decider.recentlyDeparted.isEmpty, "kept past departedProbeSeconds")

        // Back within the minute: it joins and is no longer a departure.
        harness.round(rows: [row("node2", 2), row("node4", 4)])
        harness.round(rows: [row("node2", 2)], probes: gone)
        #expect(harness.decider.recentlyDeparted == ["reader": [endpoint(4)]])
        harness.round(rows: [row("node2", 2), row("node4", 4)])
        #expect(harness.pool.contains("10.0.0.4 1"))
        #expect(harness.decider.recentlyDeparted.isEmpty)
        // A service a reload drops forgets its departures.
        harness.round(rows: [row("node2", 2)], probes: gone)
        harness.decider.forget("reader")
        #expect(harness.decider.recentlyDeparted.isEmpty)
    }

    @Test func aPoolWarningIsRaisedOnceAndClearedOnce() {
        var harness = DeciderHarness()
        let warning = "the pool has 0 weighted real server(s), below min_pool 1"
        #expect(harness.round(rows: []).lines == [warning])
        #expect(harness.round(rows: []).lines.isEmpty)
        let cleared = harness.round(rows: [row("node2", 2)])
        #expect(cleared.lines.contains("pool warning cleared: \(warning)"))
    }

    @Test func unreadableMarksHoldEveryServerBackAndAreSaidOnce() {
        var harness = DeciderHarness()
        harness.maintenance = MaintenanceObservation(unreadable: "EACCES", path: "/var/lib/pglvsd/maintenance.json")
        let first = harness.round(rows: [row("node2", 2)])
        #expect(first.events.map(\.level) == [.error])
        #expect(first.events.first?.message.hasPrefix("cannot read /var/lib/pglvsd/maintenance.json: EACCES; no marks were ever read") == true)
        #expect(harness.pool.isEmpty)
        #expect(harness.round(rows: [row("node2", 2)]).events.isEmpty)
        harness.maintenance = MaintenanceObservation(path: "/var/lib/pglvsd/maintenance.json")
        let readable = harness.round(rows: [row("node2", 2)])
        #expect(readable.events == [RoundEvent(.notice, "/var/lib/pglvsd/maintenance.json can be read: servers may join the pool again")])
        #expect(harness.pool == ["10.0.0.2 1"])
    }

    @Test func anUnreadableTableDecidesNoServiceButTheWriterIsStillJudged() {
        var harness = DeciderHarness()
        let observation = RoundObservation(now: 1, writer: WriterSighting(answer: .problem("writer unreachable: refused"), at: 1, fresh: true),
                                           plans: [:], kernel: nil)
        let decision = harness.decider.decide(observation, policy: harness.policy)
        #expect(decision.services.isEmpty)
        #expect(decision.events.count == 1)
        #expect(harness.decider.trackers.isEmpty)
    }
}

/// discovery: cascade — the standbys' own rows and streams, gathered by the daemon, pass
/// through the decider to the pool.
@Suite struct CascadePassThroughTests {
    private func plan() -> CandidatePlan {
        CandidatePlan(rows: [row("node3", 3)], cascadedRows: [row("node5", 5, upstream: endpoint(3))],
                      standbyStreams: [endpoint(5): StandbyStream(receiverStatus: "streaming", timeline: 1, lagBytes: 0)])
    }

    @Test func aCascadedStandbyJoinsThroughItsUpstream() {
        var harness = DeciderHarness()
        harness.policy.services[0].discovery = .cascade
        let decision = harness.round(rows: [row("node3", 3)], probes: standbys(3, 5), plan: plan())
        #expect(harness.pool == ["10.0.0.3 3", "10.0.0.5 1"])
        #expect(decision.lines.contains("node5 10.0.0.5:5432 joined the pool"))
        #expect(harness.decider.trackers["reader"]?.servers[endpoint(5)]?.cascaded == true)
    }

    @Test func withoutCascadeDiscoveryTheStandbysRowsAreIgnored() {
        var harness = DeciderHarness()
        harness.round(rows: [row("node3", 3)], probes: standbys(3, 5), plan: plan())
        #expect(harness.pool == ["10.0.0.3 3"])
    }
}
