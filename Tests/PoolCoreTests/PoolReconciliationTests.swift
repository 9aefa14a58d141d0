import Testing
import LVSModel
@testable import PoolCore

@Suite struct PoolReconciliationTests {
    let key = VirtualServiceKey.endpoint(.tcp, SocketEndpoint(address: ip("10.0.0.200"), port: 5432))
    var service: VirtualService { VirtualService(key: key, scheduler: "wrr") }

    func member(_ name: String, _ address: String, _ weight: UInt32) -> PoolMember {
        PoolMember(name: name, endpoint: SocketEndpoint(address: ip(address), port: 5432), weight: weight,
                   weightSource: .defaultWeight, forwarding: .directRoute)
    }

    func kernel(_ address: String, _ weight: UInt32, _ forwarding: ForwardingMethod = .directRoute) -> Destination {
        Destination(endpoint: SocketEndpoint(address: ip(address), port: 5432), forwarding: forwarding, weight: weight,
                    connections: ConnectionCounts(active: 3, inactive: 1))
    }

    @Test func anAbsentServiceIsCreatedWithItsMembers() {
        let plan = PoolReconciliation.plan(service: service, members: [member("node2", "10.0.0.12", 2)],
                                           current: nil, currentDestinations: [])
        #expect(plan == [
            .addService(service),
            .addRealServer(Destination(endpoint: SocketEndpoint(address: ip("10.0.0.12"), port: 5432),
                                       forwarding: .directRoute, weight: 2), name: "node2"),
        ])
    }

    @Test func aTableInStepNeedsNothing() {
        var current = service
        current.flags = .hashed  // set by the kernel on every service
        let plan = PoolReconciliation.plan(service: service, members: [member("node2", "10.0.0.12", 2)],
                                           current: current, currentDestinations: [kernel("10.0.0.12", 2)])
        #expect(plan.isEmpty)
    }

    @Test func additionsAndEditsComeBeforeRemovals() {
        let plan = PoolReconciliation.plan(
            service: service,
            members: [member("node2", "10.0.0.12", 5), member("node4", "10.0.0.14", 1)],
            current: service,
            currentDestinations: [kernel("10.0.0.13", 1), kernel("10.0.0.12", 2)])
        #expect(plan.map(\.description) == [
            "edit node2 10.0.0.12:5432 weight 2 -> 5",
            "add node4 10.0.0.14:5432 Route weight 1",
            "remove 10.0.0.13:5432",
        ])
    }

    @Test func aChangedForwardingMethodIsRepaired() {
        let plan = PoolReconciliation.plan(service: service, members: [member("node2", "10.0.0.12", 2)],
                                           current: service, currentDestinations: [kernel("10.0.0.12", 2, .masquerade)])
        #expect(plan.count == 1)
        guard case .editRealServer(let destination, _, _) = plan[0] else {
            Issue.record("expected an edit, got \(plan)")
            return
        }
        #expect(destination.forwarding == .directRoute)
    }

    @Test func aChangedSchedulerIsEdited() {
        var current = service
        current.scheduler = "rr"
        let plan = PoolReconciliation.plan(service: service, members: [], current: current, currentDestinations: [])
        #expect(plan == [.editService(service)])
    }

    @Test func anEmptyDesiredPoolRemovesEveryRealServer() {
        let plan = PoolReconciliation.plan(service: service, members: [], current: service,
                                           currentDestinations: [kernel("10.0.0.12", 1), kernel("10.0.0.13", 1)])
        #expect(plan == [.removeRealServer(SocketEndpoint(address: ip("10.0.0.12"), port: 5432)),
                         .removeRealServer(SocketEndpoint(address: ip("10.0.0.13"), port: 5432))])
    }
}
