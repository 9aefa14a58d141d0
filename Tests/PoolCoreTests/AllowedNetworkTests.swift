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

    /// A server the operator listed is the operator's word, not a peer's: not bounded.
    @Test func aListedServerIsNotBoundedByTheAllowedNetworks() {
        var tracker = PoolTracker(adopting: [])
        let result = cycle(&tracker, rows: [], statics: [StaticCandidate(name: "far", address: ip("192.0.2.66"))],
                           discovery: .static, allowed: lan)
        #expect(result.pool == ["192.0.2.66 1"])
    }

    @Test func aMemberOutsideNewAllowedNetworksLeavesAtOnce() {
        var tracker = PoolTracker(adopting: [Destination(endpoint: at("192.0.2.66"), forwarding: .directRoute, weight: 1)])
        #expect(cycle(&tracker, rows: [replica("far", "192.0.2.66")], allowed: lan).pool.isEmpty)
    }
}
