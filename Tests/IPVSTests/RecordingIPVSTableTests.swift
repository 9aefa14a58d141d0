import IPVS
import LVSModel
import Testing

/// The in-memory table the daemon's tests and `once --dry-run` run against: it keeps what it
/// is told, records it, and refuses what the kernel refuses, with the kernel's errors.
struct RecordingIPVSTableTests {
    private let key = VirtualServiceKey.endpoint(.tcp, SocketEndpoint(address: IPAddress("10.0.0.200")!, port: 5432))
    private func server(_ last: UInt8, weight: UInt32 = 1) -> Destination {
        Destination(endpoint: SocketEndpoint(address: IPAddress("10.0.0.\(last)")!, port: 5432),
                    forwarding: .directRoute, weight: weight)
    }

    @Test func keepsAndRecordsEachChange() throws {
        let table = RecordingIPVSTable()
        let service = VirtualService(key: key, scheduler: "wrr")
        try table.addService(service)
        try table.addDestination(server(2), to: key)
        try table.addDestination(server(3), to: key)
        try table.editDestination(server(3, weight: 3), of: key)
        try table.deleteDestination(server(2).endpoint, from: key)
        #expect(try table.services() == [service])
        #expect(try table.destinations(of: key) == [server(3, weight: 3)])
        #expect(table.changes == [
            .addService(service), .addDestination(server(2), to: key), .addDestination(server(3), to: key),
            .editDestination(server(3, weight: 3), of: key), .deleteDestination(server(2).endpoint, from: key),
        ])
    }

    @Test func refusesAsTheKernelDoes() throws {
        let table = RecordingIPVSTable()
        #expect(throws: IPVSError(operation: .listDestinations(key), kind: .kernel(.noSuchProcess))) {
            try table.destinations(of: key)
        }
        try table.addService(VirtualService(key: key, scheduler: "rr"))
        #expect(throws: IPVSError(operation: .addService(key), kind: .kernel(.exists))) {
            try table.addService(VirtualService(key: key, scheduler: "rr"))
        }
        try table.addDestination(server(2), to: key)
        #expect(throws: IPVSError(operation: .addDestination(key, server(2).endpoint), kind: .kernel(.exists))) {
            try table.addDestination(server(2), to: key)
        }
        #expect(throws: IPVSError(operation: .deleteDestination(key, server(9).endpoint), kind: .kernel(.noEntry))) {
            try table.deleteDestination(server(9).endpoint, from: key)
        }
        #expect(try table.destinations(of: key) == [server(2)])
    }

    @Test func copiesAnotherTableAndLeavesItAlone() throws {
        let kernel = RecordingIPVSTable(services: [(VirtualService(key: key, scheduler: "wrr"), [server(2, weight: 9)])],
                                        timeouts: IPVSTimeouts(tcp: 20, tcpFin: 120, udp: 300))
        let copy = try RecordingIPVSTable(copying: kernel)
        try copy.editDestination(server(2, weight: 2), of: key)
        try copy.setTimeouts(IPVSTimeouts(tcp: 900, tcpFin: 0, udp: 0))
        #expect(try copy.destinations(of: key) == [server(2, weight: 2)])
        #expect(try copy.timeouts() == IPVSTimeouts(tcp: 900, tcpFin: 120, udp: 300))
        #expect(try kernel.destinations(of: key) == [server(2, weight: 9)])
        #expect(kernel.changes.isEmpty)
    }
}
