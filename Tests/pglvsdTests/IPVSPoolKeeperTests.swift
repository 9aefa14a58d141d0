import IPVS
import LVSModel
import Logging
import PoolCore
import RoundCore
import Testing
@testable import pglvsd

private func endpoint(_ last: UInt8) -> SocketEndpoint { SocketEndpoint(address: IPAddress("10.0.0.\(last)")!, port: 5432) }
private func row(_ name: String, _ last: UInt8) -> ReplicaObservation {
    ReplicaObservation(name: name, address: IPAddress("10.0.0.\(last)")!, state: "streaming", syncState: "async",
                       replayLagBytes: 0, replayLagSeconds: nil)
}

/// One virtual service decided round by round by the decider and kept by the keeper in a
/// recording table: the driver's half of a decision (gather the table, apply, log), without a
/// kernel, a writer or a clock.
private final class KeptService {
    let table: RecordingIPVSTable
    let keeper: IPVSPoolKeeper
    let log = LogRecorder()
    var decider = RoundDecider()
    var now = 0.0
    let service = VirtualService(key: .endpoint(.tcp, SocketEndpoint(address: IPAddress("10.0.0.200")!, port: 5432)),
                                 scheduler: "wrr")
    var policy: RoundPolicy {
        RoundPolicy(services: [ServicePolicy(name: "reader", service: service,
                                             policy: PoolPolicy(weights: ["node3": 3], rise: 1, fall: 1, removal: .delete))],
                    writerAnswerLifetime: 3)
    }

    init(table: RecordingIPVSTable = RecordingIPVSTable()) {
        self.table = table
        keeper = IPVSPoolKeeper(table: table)
    }

    /// What the table holds of the service now.
    func kernel() throws -> KernelService {
        let current = try table.services().first { $0.key == service.key }
        return KernelService(service: current, destinations: current == nil ? [] : try table.destinations(of: service.key))
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
        let observation = RoundObservation(
            now: now, writer: WriterSighting(answer: .report(WriterFacts(serverAddress: "10.0.0.100", timeline: 1)), at: now, fresh: true),
            plans: ["reader": CandidatePlan(rows: rows)], probes: probes, kernel: ["reader": try kernel()])
        guard let decided = decider.decide(observation, policy: policy)[service: "reader"] else { return [] }
        var burst = decided.burst
        try keeper.keep(decided, logger: log.logger, burst: &burst)
        return keeper.lastOperations["reader"] ?? []
    }

    var pool: [String] {
        ((try? table.destinations(of: service.key)) ?? []).map { "\($0.endpoint.address) \($0.weight)" }
    }
}

/// Kernel apply (issue #15): the decider's steps reach the table in order, each logged as the
/// table takes it; drift is repaired with a warning.
@Suite struct IPVSPoolKeeperTests {
    @Test func theFirstDecisionBuildsTheServiceAndASecondChangesNothing() throws {
        let kept = KeptService()
        try kept.round([row("node2", 2), row("node3", 3)])
        #expect(kept.pool == ["10.0.0.2 1", "10.0.0.3 3"])
        #expect(kept.table.changes.first == .addService(kept.service))
        #expect(kept.log.messages(at: .warning).isEmpty)
        #expect(try kept.round([row("node2", 2), row("node3", 3)]).isEmpty)
        #expect(kept.table.changes.isEmpty)
        #expect(kept.keeper.operationsApplied == 3)
    }

    @Test func aWeightChangedByHandIsRepairedAsDrift() throws {
        let kept = KeptService()
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

    @Test func aServerTheWriterDropsLeavesAsATransitionNotDrift() throws {
        let kept = KeptService()
        try kept.round([row("node2", 2), row("node3", 3)])
        let operations = try kept.round([row("node2", 2)])
        #expect(operations == [.removeRealServer(endpoint(3))])
        #expect(kept.pool == ["10.0.0.2 1"])
        #expect(kept.log.messages(at: .warning).isEmpty)
        #expect(kept.log.messages(at: .debug) == ["kernel: remove 10.0.0.3:5432"])
    }

    @Test func anOperationTheTableRefusesIsThrownAndNothingAfterItIsTried() throws {
        let kept = KeptService()
        try kept.round([row("node2", 2)])
        kept.table.clearChanges()
        // Told the service is missing while the table holds it: its add is refused, and the
        // server's add after it is left for the next round.
        var decider = RoundDecider()
        let observation = RoundObservation(
            now: 9, writer: WriterSighting(answer: .report(WriterFacts(serverAddress: nil, timeline: 1)), at: 9, fresh: true),
            plans: ["reader": CandidatePlan(rows: [row("node2", 2)])], probes: [endpoint(2): .standby(replayDelaySeconds: 0)],
            kernel: ["reader": KernelService(service: nil)])
        let decided = try #require(decider.decide(observation, policy: kept.policy)[service: "reader"])
        var burst = decided.burst
        #expect(throws: IPVSError(operation: .addService(kept.service.key), kind: .kernel(.exists))) {
            try kept.keeper.keep(decided, logger: kept.log.logger, burst: &burst)
        }
        #expect(kept.table.changes == [.addService(kept.service)])
        #expect(kept.keeper.operationsApplied == 2)
    }
}
