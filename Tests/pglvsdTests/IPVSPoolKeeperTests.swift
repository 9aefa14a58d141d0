import IPVS
import LVSModel
import Logging
import PoolCore
import Testing
@testable import pglvsd

private func endpoint(_ last: UInt8) -> SocketEndpoint { SocketEndpoint(address: IPAddress("10.0.0.\(last)")!, port: 5432) }
private func row(_ name: String, _ last: UInt8) -> ReplicaObservation {
    ReplicaObservation(name: name, address: IPAddress("10.0.0.\(last)")!, state: "streaming", syncState: "async",
                       replayLagBytes: 0, replayLagSeconds: nil)
}

/// One virtual service decided round by round by a real tracker and kept by the keeper in a
/// recording table: what the daemon's decision does, without a kernel, a writer or a clock.
private final class KeptService {
    let table: RecordingIPVSTable
    let keeper: IPVSPoolKeeper
    let log = LogRecorder()
    var tracker: PoolTracker
    var now = 0.0
    let service = VirtualService(key: .endpoint(.tcp, SocketEndpoint(address: IPAddress("10.0.0.200")!, port: 5432)),
                                 scheduler: "wrr")
    let policy = PoolPolicy(weights: ["node3": 3], rise: 1, fall: 1, removal: .delete)

    init(table: RecordingIPVSTable = RecordingIPVSTable()) throws {
        self.table = table
        keeper = IPVSPoolKeeper(table: table)
        // Start-up adoption: what the table holds is the pool until the rounds say otherwise.
        let key = service.key
        let present = try table.services().contains { $0.key == key }
        tracker = PoolTracker(adopting: present ? try table.destinations(of: key) : [])
    }

    /// One round in which the writer lists `rows` and each answers its probe as a standby.
    @discardableResult
    func round(_ rows: [ReplicaObservation]) throws -> [PoolOperation] {
        now += 1
        log.clear()
        table.clearChanges()
        let probes = Dictionary(uniqueKeysWithValues: rows.map {
            (SocketEndpoint(address: $0.address!, port: 5432), ReplicaProbe.standby(replayDelaySeconds: 0))
        })
        let result = tracker.cycle(CycleInput(now: now, writer: .reachable(rows), probes: probes), policy: policy)
        let current = try table.services().first { $0.key == service.key }
        var burst = LogBurstLimit()
        try keeper.keep("reader", service, decided: result, current: current,
                        destinations: current == nil ? [] : try table.destinations(of: service.key), logger: log.logger,
                        burst: &burst)
        return keeper.lastOperations["reader"] ?? []
    }

    var pool: [String] {
        ((try? table.destinations(of: service.key)) ?? []).map { "\($0.endpoint.address) \($0.weight)" }
    }
}

/// Kernel apply and drift detection (issue #15): a change a transition explains is debug, a
/// change needed while the decision stood still is drift — repaired, with a warning.
@Suite struct IPVSPoolKeeperTests {
    @Test func theFirstDecisionBuildsTheServiceAndASecondChangesNothing() throws {
        let kept = try KeptService()
        try kept.round([row("node2", 2), row("node3", 3)])
        #expect(kept.pool == ["10.0.0.2 1", "10.0.0.3 3"])
        #expect(kept.table.changes.first == .addService(kept.service))
        #expect(kept.log.messages(at: .warning).isEmpty)
        #expect(try kept.round([row("node2", 2), row("node3", 3)]).isEmpty)
        #expect(kept.table.changes.isEmpty)
        #expect(kept.keeper.operationsApplied == 3)
    }

    @Test func aWeightChangedByHandIsRepairedAsDrift() throws {
        let kept = try KeptService()
        try kept.round([row("node2", 2), row("node3", 3)])
        try kept.table.editDestination(Destination(endpoint: endpoint(3), forwarding: .directRoute, weight: 9),
                                       of: kept.service.key)
        let operations = try kept.round([row("node2", 2), row("node3", 3)])
        #expect(operations == [.editRealServer(Destination(endpoint: endpoint(3), forwarding: .directRoute, weight: 3),
                                               name: "node3", previousWeight: 9)])
        #expect(kept.pool == ["10.0.0.2 1", "10.0.0.3 3"])
        #expect(kept.log.messages(at: .warning)
            == ["drift repaired (the kernel table was changed outside pglvsd): edit node3 10.0.0.3:5432 weight 9 -> 3"])
    }

    @Test func aServiceDeletedByHandIsBuiltAgainAsDrift() throws {
        let kept = try KeptService()
        try kept.round([row("node2", 2)])
        try kept.table.deleteService(kept.service.key)
        try kept.round([row("node2", 2)])
        #expect(kept.pool == ["10.0.0.2 1"])
        #expect(kept.log.messages(at: .warning).count == 2)
        #expect(kept.log.messages(at: .warning).allSatisfy { $0.hasPrefix("drift repaired") })
    }

    @Test func aServerTheWriterDropsLeavesAsATransitionNotDrift() throws {
        let kept = try KeptService()
        try kept.round([row("node2", 2), row("node3", 3)])
        let operations = try kept.round([row("node2", 2)])
        #expect(operations == [.removeRealServer(endpoint(3))])
        #expect(kept.pool == ["10.0.0.2 1"])
        #expect(kept.log.messages(at: .warning).isEmpty)
        #expect(kept.log.messages(at: .debug) == ["kernel: remove 10.0.0.3:5432"])
    }

    @Test func causes() {
        let add = PoolOperation.addRealServer(Destination(endpoint: endpoint(2), forwarding: .directRoute, weight: 1), name: "node2")
        #expect(IPVSPoolKeeper.cause(of: add, explained: [endpoint(2)], decisionStoodStill: true) == .transition)
        #expect(IPVSPoolKeeper.cause(of: add, explained: [], decisionStoodStill: true) == .drift)
        #expect(IPVSPoolKeeper.cause(of: add, explained: [], decisionStoodStill: false) == .decision)
    }

    @Test func anOperationTheTableRefusesIsThrownAndNothingAfterItIsTried() throws {
        let kept = try KeptService()
        try kept.round([row("node2", 2)])
        kept.table.clearChanges()
        // Told the service is missing while the table holds it: its add is refused, and the
        // server's add after it is left for the next round.
        let result = kept.tracker.cycle(CycleInput(now: 9, writer: .reachable([row("node2", 2)]),
                                                   probes: [endpoint(2): .standby(replayDelaySeconds: 0)]), policy: kept.policy)
        var burst = LogBurstLimit()
        #expect(throws: IPVSError(operation: .addService(kept.service.key), kind: .kernel(.exists))) {
            try kept.keeper.keep("reader", kept.service, decided: result, current: nil, destinations: [], logger: kept.log.logger,
                                 burst: &burst)
        }
        #expect(kept.table.changes == [.addService(kept.service)])
    }
}
