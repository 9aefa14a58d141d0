import Testing
import LVSModel
@testable import PoolCore

/// The seed lvsdr agent's semantics: default_weight, weight_of_realservers, the whitelist.
@Suite struct SeedWeightTests {
    @Test func unlistedReplicasGetTheDefaultWeight() {
        var run = PoolRun()
        let result = run.rows(replica("node2", "10.0.0.12"), replica("node3", "10.0.0.13"))
        #expect(result.members.map(\.description) == [
            "node2 10.0.0.12:5432 weight 1 (default_weight)",
            "node3 10.0.0.13:5432 weight 1 (default_weight)",
        ])
        #expect(result.exclusions.isEmpty)
    }

    @Test func listedWeightsWinByNameOrByAddress() {
        var run = PoolRun(policy: PoolPolicy(defaultWeight: 1, weights: ["node2": 3, "192.168.0.234": 5, "10.0.0.13": 4],
                                             realServerPort: 5432, rise: 1))
        let result = run.rows(replica("node2", "10.0.0.12"), replica("node3", "10.0.0.13"),
                              replica("192.168.0.234", "192.168.0.234"), replica("node5", "10.0.0.15"))
        #expect(result.pool == ["10.0.0.12 3", "10.0.0.13 4", "10.0.0.15 1", "192.168.0.234 5"])
        #expect(result.members.map(\.weightSource) == [.listed, .listed, .defaultWeight, .listed])
    }

    /// The seed's whitelist: default_weight 0 plus listed weights keeps node4 present at weight 0.
    @Test func theWhitelistKeepsUnlistedReplicasAtWeightZero() {
        var run = PoolRun(policy: PoolPolicy(defaultWeight: 0, weights: ["node1": 1, "node2": 1, "node3": 1],
                                             realServerPort: 5432, rise: 1))
        let result = run.rows(replica("node2", "10.0.0.12"), replica("node3", "10.0.0.13"),
                              replica("192.168.0.234", "192.168.0.234"))
        #expect(result.pool == ["10.0.0.12 1", "10.0.0.13 1", "192.168.0.234 0"])
        #expect(result.members.last?.role == .serving)
    }

    @Test func membersUseTheRealServerPortAndForwarding() {
        var run = PoolRun(policy: PoolPolicy(realServerPort: 6432, forwarding: .masquerade, rise: 1))
        let member = run.rows(replica("node2", "10.0.0.12")).members[0]
        #expect(member.endpoint == at("10.0.0.12", 6432))
        #expect(member.forwarding == .masquerade)
    }
}
