import Testing
import LVSModel
@testable import PoolCore

func ip(_ text: String) -> IPAddress { IPAddress(text)! }

func replica(_ name: String, _ address: String?, state: String = "streaming", sync: String = "async") -> ReplicaObservation {
    ReplicaObservation(name: name, address: address.map(ip), state: state, syncState: sync, replayLagBytes: 0)
}

@Suite struct PoolDecisionTests {
    @Test func unlistedReplicasGetTheDefaultWeight() {
        let decision = PoolDecision(observations: [replica("node2", "10.0.0.12"), replica("node3", "10.0.0.13")],
                                    policy: PoolPolicy(defaultWeight: 1, realServerPort: 5432))
        #expect(decision.members.map(\.description) == [
            "node2 10.0.0.12:5432 weight 1 (default_weight)",
            "node3 10.0.0.13:5432 weight 1 (default_weight)",
        ])
        #expect(decision.exclusions.isEmpty)
    }

    @Test func listedWeightsWinByNameOrByAddress() {
        let policy = PoolPolicy(defaultWeight: 1, weights: ["node2": 3, "192.168.0.234": 5], realServerPort: 5432)
        let decision = PoolDecision(observations: [
            replica("node2", "10.0.0.12"), replica("192.168.0.234", "192.168.0.234"), replica("node3", "10.0.0.13"),
        ], policy: policy)
        let weights = Dictionary(uniqueKeysWithValues: decision.members.map { ($0.name, ($0.weight, $0.weightSource)) })
        #expect(weights["node2"]! == (3, .listed))
        #expect(weights["192.168.0.234"]! == (5, .listed))
        #expect(weights["node3"]! == (1, .defaultWeight))
    }

    @Test func aListedAddressMatchesAReplicaNamedByHostName() {
        let policy = PoolPolicy(weights: ["10.0.0.12": 4], realServerPort: 5432)
        let decision = PoolDecision(observations: [replica("node2", "10.0.0.12")], policy: policy)
        #expect(decision.members.first?.weight == 4)
    }

    /// The seed's whitelist: default_weight 0 plus listed weights keeps node4 present at weight 0.
    @Test func theSeedWhitelistKeepsUnlistedReplicasAtWeightZero() {
        let policy = PoolPolicy(defaultWeight: 0, weights: ["node1": 1, "node2": 1, "node3": 1], realServerPort: 5432)
        let decision = PoolDecision(observations: [
            replica("node2", "10.0.0.12"), replica("node3", "10.0.0.13"), replica("192.168.0.234", "192.168.0.234"),
        ], policy: policy)
        #expect(decision.members.map(\.weight) == [1, 1, 0])
        #expect(decision.members.last?.name == "192.168.0.234")
    }

    @Test func rowsThatAreNotStreamingReplicasStayOut() {
        let decision = PoolDecision(observations: [
            replica("node2", "10.0.0.12", state: "catchup"),
            replica("pg_basebackup", nil, state: "backup"),
            replica("node3", "10.0.0.13", state: "streaming"),
        ], policy: PoolPolicy(realServerPort: 5432))
        #expect(decision.members.map(\.name) == ["node3"])
        #expect(decision.exclusions == [
            Exclusion(name: "node2", reason: .notStreaming(state: "catchup")),
            Exclusion(name: "pg_basebackup", reason: .notStreaming(state: "backup")),
        ])
    }

    @Test func syncStatesOutsideTheAcceptedSetStayOut() {
        let policy = PoolPolicy(realServerPort: 5432, acceptedSyncStates: ["sync", "quorum"])
        let decision = PoolDecision(observations: [replica("node2", "10.0.0.12", sync: "sync"),
                                                   replica("node3", "10.0.0.13", sync: "async")], policy: policy)
        #expect(decision.members.map(\.name) == ["node2"])
        #expect(decision.exclusions == [Exclusion(name: "node3", reason: .syncStateNotAccepted("async"))])
    }

    @Test func anUnresolvedNameIsReportedNotGuessed() {
        let decision = PoolDecision(observations: [replica("ghost", nil)], policy: PoolPolicy(realServerPort: 5432))
        #expect(decision.members.isEmpty)
        #expect(decision.exclusions == [Exclusion(name: "ghost", reason: .unresolvedAddress)])
        #expect(decision.exclusions[0].reason.description == "unresolved address")
    }

    @Test func twoRowsForOneServerGiveOneMember() {
        let decision = PoolDecision(observations: [replica("node2b", "10.0.0.12"), replica("node2", "10.0.0.12")],
                                    policy: PoolPolicy(realServerPort: 5432))
        #expect(decision.members.map(\.name) == ["node2"])
        #expect(decision.exclusions == [Exclusion(name: "node2b", reason: .duplicateOf("node2"))])
    }

    @Test func membersUseTheRealServerPortAndForwarding() {
        let policy = PoolPolicy(realServerPort: 6432, forwarding: .masquerade)
        let member = PoolDecision(observations: [replica("node2", "10.0.0.12")], policy: policy).members[0]
        #expect(member.endpoint == SocketEndpoint(address: ip("10.0.0.12"), port: 6432))
        #expect(member.forwarding == .masquerade)
    }
}
