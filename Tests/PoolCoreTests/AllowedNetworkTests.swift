import LVSModel
import Testing
@testable import PoolCore

/// Trust: the writer's rows (whoever connected with that application_name) cannot point the
/// pool, or its probes, outside the networks servers may be in.
@Suite struct AllowedNetworkTests {
    private let lan = [IPNetwork("10.0.0.0/24")!]

    private func cycle(_ tracker: inout PoolTracker, rows: [ReplicaObservation], statics: [StaticCandidate] = [],
                       discovery: CandidateDiscovery = .writer, allowed: [IPNetwork]?) -> CycleResult {
        var probes: [SocketEndpoint: ReplicaProbe] = [:]
        for address in rows.compactMap(\.address) + statics.compactMap(\.address) {
            probes[SocketEndpoint(address: address, port: 5432)] = .standby(replayDelaySeconds: 0)
        }
        return tracker.cycle(CycleInput(now: 1, writer: .reachable(rows), probes: probes, staticCandidates: statics,
                                        discovery: discovery, primary: at("10.0.0.11"), allowedNetworks: allowed),
                             policy: PoolPolicy(realServerPort: 5432, rise: 1, fall: 1, removal: .delete))
    }

    @Test func aRowOutsideTheAllowedNetworksIsRefusedByName() {
        var tracker = PoolTracker(adopting: [])
        let result = cycle(&tracker, rows: [replica("node2", "10.0.0.12"), replica("evil", "192.0.2.66")], allowed: lan)
        #expect(result.pool == ["10.0.0.12 1"])
        #expect(result.exclusions.contains { $0.name == "evil" && "\($0.reason)".contains("outside the allowed networks: 10.0.0.0/24") })
    }

    @Test func withoutAllowedNetworksEveryUnicastAddressIsACandidate() {
        var tracker = PoolTracker(adopting: [])
        #expect(cycle(&tracker, rows: [replica("far", "192.0.2.66")], allowed: nil).pool == ["192.0.2.66 1"])
    }

    /// An address the operator wrote in real_servers is the operator's word, not a peer's: not
    /// bounded. A listed host name resolves through DNS, which is nobody's word: bounded.
    @Test func aListedAddressIsNotBoundedByTheAllowedNetworksAListedNameIs() {
        var tracker = PoolTracker(adopting: [])
        let literal = cycle(&tracker, rows: [], statics: [StaticCandidate(name: "192.0.2.66", address: ip("192.0.2.66"))],
                            discovery: .static, allowed: lan)
        #expect(literal.pool == ["192.0.2.66 1"])
        var named = PoolTracker(adopting: [])
        let resolved = cycle(&named, rows: [], statics: [StaticCandidate(name: "far", address: ip("192.0.2.67"))],
                             discovery: .static, allowed: lan)
        #expect(resolved.pool.isEmpty)
    }

    /// Where servers may be can change under a member (a reload, an interface): it leaves
    /// through fall and the removal mode, not at once with every other member.
    @Test func aMemberOutsideNewAllowedNetworksLeavesThroughFall() {
        var tracker = PoolTracker(adopting: [Destination(endpoint: at("192.0.2.66"), forwarding: .directRoute, weight: 1)])
        let policy = PoolPolicy(realServerPort: 5432, rise: 1, fall: 2, removal: .quiesce)
        let input = CycleInput(now: 1, writer: .reachable([replica("far", "192.0.2.66")]),
                               connections: [at("192.0.2.66"): ConnectionCounts(active: 1, inactive: 0)],
                               primary: at("10.0.0.11"), allowedNetworks: lan)
        #expect(tracker.cycle(input, policy: policy).pool == ["192.0.2.66 1"])
        #expect(tracker.cycle(input, policy: policy).pool == ["192.0.2.66 0"], "second bad observation: draining")
    }

    /// A row of the other family than the service cannot be a real server (the kernel refuses
    /// it, and the failed add held back every later operation of the cycle).
    @Test func aRowOfTheOtherFamilyIsRefused() {
        var tracker = PoolTracker(adopting: [])
        let result = tracker.cycle(CycleInput(now: 1, writer: .reachable([replica("v6", "fd00::12")]),
                                              probes: [SocketEndpoint(address: ip("fd00::12"), port: 5432): .standby(replayDelaySeconds: 0)],
                                              primary: at("10.0.0.11"), virtualAddress: ip("10.0.0.200")),
                                   policy: PoolPolicy(realServerPort: 5432, rise: 1, fall: 1, removal: .delete))
        #expect(result.pool.isEmpty)
        #expect(result.exclusions.contains { $0.name == "v6" && "\($0.reason)".contains("other family") })
    }
}
