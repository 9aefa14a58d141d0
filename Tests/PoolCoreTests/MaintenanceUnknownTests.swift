import Testing
import LVSModel
@testable import PoolCore

/// Marks that were never read (the file unreadable at start) fail closed: any server might be
/// drained or excluded, so none joins or returns, while the pool's members keep their place.
@Suite struct MaintenanceUnknownTests {
    let node2 = replica("node2", "10.0.0.12")
    let node3 = replica("node3", "10.0.0.13")
    let node4 = replica("node4", "10.0.0.14")

    /// After a restart the kernel holds node2 serving and node3 at weight 0 (drained before the
    /// restart, as far as anyone can tell); node4 is new.
    private func restarted() -> PoolRun {
        var run = PoolRun(policy: PoolPolicy(rise: 1, fall: 1, removal: .quiesce), adopting: [
            Destination(endpoint: at("10.0.0.12"), forwarding: .directRoute, weight: 1),
            Destination(endpoint: at("10.0.0.13"), forwarding: .directRoute, weight: 0),
        ])
        run.connections = [at("10.0.0.13"): ConnectionCounts(active: 1, inactive: 0)]
        run.maintenanceUnreadable = "Permission denied"
        return run
    }

    @Test func noServerJoinsOrReturnsWhileTheMarksWereNeverRead() {
        var run = restarted()
        for _ in 0..<3 {
            let result = run.rows(node2, node3, node4)
            #expect(result.pool == ["10.0.0.12 1", "10.0.0.13 0"], "node3 stays at 0, node4 stays out")
            #expect(result.transitions.isEmpty)
            #expect(result.exclusions.contains(Exclusion(name: "node4", reason: .maintenanceUnknown("Permission denied"))))
            #expect(result.exclusions.contains(Exclusion(name: "node3", reason: .maintenanceUnknown("Permission denied"))))
        }
    }

    @Test func membersStillLeaveWhileTheMarksAreUnknown() {
        var run = restarted()
        let result = run.rows(node3, node4)
        // node2 is gone from the writer's rows: it leaves (no connection to drain).
        #expect(result.pool == ["10.0.0.13 0"])
        #expect(result.transitions.contains { $0.endpoint == at("10.0.0.12") && $0.kind == .drained })
    }

    @Test func onceTheMarksAreReadTheyDecide() {
        var run = restarted()
        _ = run.rows(node2, node3, node4)
        run.maintenanceUnreadable = nil
        run.maintenance = ["node3": .drain]
        let result = run.rows(node2, node3, node4)
        #expect(result.pool == ["10.0.0.12 1", "10.0.0.13 0", "10.0.0.14 1"])
        #expect(result.members.first { $0.name == "node3" }?.role == .maintenance)
    }
}
