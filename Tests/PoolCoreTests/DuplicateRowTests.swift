import Testing
import LVSModel
@testable import PoolCore

/// Several pg_stat_replication rows for one real server: decided per server on its best row,
/// with weights and marks by any of its names or its address.
@Suite struct DuplicateRowTests {
    static let stale = replica("node2", "10.0.0.12", lag: 200 * 1024 * 1024)
    static let fresh = replica("node2", "10.0.0.12", lag: 0)

    /// A walsender of node2's previous connection, not yet ended by wal_sender_timeout, must
    /// not exclude node2, whichever order the writer lists the rows in.
    @Test(arguments: [[stale, fresh], [fresh, stale]])
    func aStaleDuplicateRowDoesNotExcludeTheHealthyServer(rows: [ReplicaObservation]) {
        var run = PoolRun()
        let result = run.cycle(.reachable(rows))
        #expect(result.pool == ["10.0.0.12 1"])
        #expect(result.members.map(\.name) == ["node2"])
        #expect(result.exclusions.isEmpty)
    }

    @Test func aStreamingRowIsPreferredOverACatchupOne() {
        var run = PoolRun()
        let result = run.rows(replica("node2", "10.0.0.12", state: "catchup", lag: 0), replica("node2", "10.0.0.12", lag: 4096))
        #expect(result.pool == ["10.0.0.12 1"])
    }

    /// A row named by node2's address (application_name = "10.0.0.12") keeps node2's
    /// whitelist weight and its maintenance mark, whether it wins or not.
    @Test(arguments: [0, 200 * 1024 * 1024] as [Int64])
    func aRowNamedByTheAddressKeepsTheNamesWeight(nodeTwoLag: Int64) {
        var run = PoolRun(policy: PoolPolicy(defaultWeight: 0, weights: ["node2": 3], realServerPort: 5432, rise: 1))
        let result = run.rows(replica("10.0.0.12", "10.0.0.12", lag: 1024), replica("node2", "10.0.0.12", lag: nodeTwoLag))
        #expect(result.pool == ["10.0.0.12 3"])
        #expect(result.members.map(\.name) == ["node2"])
        #expect(result.members.map(\.weightSource) == [.listed])
    }

    @Test func aRowNamedByTheAddressKeepsTheNamesMaintenanceMark() {
        var run = PoolRun()
        run.maintenance = ["node2": .exclude]
        let result = run.rows(replica("10.0.0.12", "10.0.0.12"), replica("node2", "10.0.0.12", lag: 200 * 1024 * 1024))
        #expect(result.members.isEmpty)
        #expect(result.exclusions == [Exclusion(name: "node2", reason: .maintenance)])
        run.maintenance = ["node2": .drain]
        #expect(run.rows(replica("10.0.0.12", "10.0.0.12"), replica("node2", "10.0.0.12")).members.map(\.role) == [.maintenance])
    }

    /// With only the address-named row, the static entry that resolves to it lends its name.
    @Test func aStaticEntryLendsItsNameToARowNamedByTheAddress() {
        var run = PoolRun(policy: PoolPolicy(defaultWeight: 0, weights: ["node2": 2], realServerPort: 5432, rise: 1))
        let result = run.cycle(.reachable([replica("10.0.0.12", "10.0.0.12")]),
                               probes: [at("10.0.0.12"): .standby(replayDelaySeconds: 0)],
                               staticCandidates: [StaticCandidate(name: "node2", address: ip("10.0.0.12"))], discovery: .both)
        #expect(result.members.map(\.description) == ["node2 10.0.0.12:5432 weight 2 (weight_of_realservers)"])
    }

    /// Listed under both its name and its address, the lower weight holds; marked under both,
    /// exclude holds over drain.
    @Test func betweenANameAndAnAddressEntryTheSaferOneHolds() {
        var run = PoolRun(policy: PoolPolicy(weights: ["node2": 3, "10.0.0.12": 1], realServerPort: 5432, rise: 1))
        #expect(run.rows(replica("node2", "10.0.0.12")).pool == ["10.0.0.12 1"])
        run.policy.weights = ["node2": 0, "10.0.0.12": 5]
        #expect(run.rows(replica("node2", "10.0.0.12")).pool == ["10.0.0.12 0"])
        run.maintenance = ["node2": .drain, "10.0.0.12": .exclude]
        #expect(run.rows(replica("node2", "10.0.0.12")).members.isEmpty)
        run.maintenance = ["node2": .exclude, "10.0.0.12": .drain]
        #expect(run.rows(replica("node2", "10.0.0.12")).members.isEmpty)
    }

    @Test func identityPrefersAHostNameForDisplay() {
        let identity = ServerIdentity(address: ip("10.0.0.12"), preferred: "10.0.0.12", others: ["node2b", "node2"])
        #expect(identity.name == "node2")
        #expect(identity.keys == ["node2", "10.0.0.12", "node2b"])
        #expect(ServerIdentity(address: ip("10.0.0.12"), preferred: "node2b", others: ["node2"]).name == "node2b")
    }
}
