import Foundation
import Testing
import IPVS
import LVSModel

/// Every kernel error comes back typed, names its operation, and leaves the table as it was.
extension IPVSKernelTests {
@Suite(.serialized)
final class IPVSKernelErrorTests {
    let client: IPVSClient
    let key = VirtualServiceKey.endpoint(.tcp, KernelLab.endpoint("10.9.0.200", 5432))
    let member = Destination(endpoint: KernelLab.endpoint("10.9.0.12", 5432), forwarding: .directRoute, weight: 1)

    init() throws {
        client = try IPVSClient()
        try client.flush()
        try client.addService(VirtualService(key: key, scheduler: "rr"))
        try client.addDestination(member, to: key)
    }

    deinit { try? client.flush() }

    /// Runs a failing change and checks the error and that the table did not move.
    func expectFailure(_ expected: IPVSError.Kind, operation: IPVSOperation, _ change: () throws -> Void,
                       sourceLocation: SourceLocation = #_sourceLocation) throws {
        let before = try KernelLab.rendered(client)
        do {
            try change()
            Issue.record("expected \(expected), the kernel accepted the change", sourceLocation: sourceLocation)
        } catch let error as IPVSError {
            #expect(error.kind == expected, sourceLocation: sourceLocation)
            #expect(error.operation == operation, sourceLocation: sourceLocation)
        }
        #expect(try KernelLab.rendered(client) == before, "the table changed", sourceLocation: sourceLocation)
    }

    @Test func addingAnExistingServiceFails() throws {
        try expectFailure(.kernel(.exists), operation: .addService(key)) {
            try client.addService(VirtualService(key: key, scheduler: "wrr"))
        }
    }

    @Test func addingAnExistingDestinationFails() throws {
        try expectFailure(.kernel(.exists), operation: .addDestination(key, member.endpoint)) {
            try client.addDestination(member, to: key)
        }
    }

    @Test func deletingAnAbsentDestinationFails() throws {
        let absent = KernelLab.endpoint("10.9.0.99", 5432)
        try expectFailure(.kernel(.noEntry), operation: .deleteDestination(key, absent)) {
            try client.deleteDestination(absent, from: key)
        }
        let error = try #require(throws: IPVSError.self) { try client.deleteDestination(absent, from: key) }
        #expect(error.description == "delete real server 10.9.0.99:5432 from TCP 10.9.0.200:5432: no such real server (errno 2)")
    }

    @Test func editingAnAbsentDestinationFails() throws {
        let absent = Destination(endpoint: KernelLab.endpoint("10.9.0.99", 5432), forwarding: .directRoute, weight: 4)
        try expectFailure(.kernel(.noEntry), operation: .editDestination(key, absent.endpoint)) {
            try client.editDestination(absent, of: key)
        }
    }

    @Test func changingAnAbsentServiceFails() throws {
        let other = VirtualServiceKey.endpoint(.tcp, KernelLab.endpoint("10.9.0.201", 5432))
        try expectFailure(.kernel(.noSuchProcess), operation: .deleteService(other)) { try client.deleteService(other) }
        try expectFailure(.kernel(.noSuchProcess), operation: .addDestination(other, member.endpoint)) {
            try client.addDestination(member, to: other)
        }
        try expectFailure(.kernel(.noSuchProcess), operation: .editService(other)) {
            try client.editService(VirtualService(key: other, scheduler: "rr"))
        }
        let error = try #require(throws: IPVSError.self) { try client.deleteService(other) }
        #expect(error.reason == "no such virtual service (errno 3)")
    }

    @Test func anUnknownSchedulerFails() throws {
        let other = VirtualServiceKey.endpoint(.tcp, KernelLab.endpoint("10.9.0.201", 5432))
        try expectFailure(.kernel(.noEntry), operation: .addService(other)) {
            try client.addService(VirtualService(key: other, scheduler: "fastest"))
        }
        let error = try #require(throws: IPVSError.self) { try client.addService(VirtualService(key: other, scheduler: "fastest")) }
        #expect(error.reason == "scheduler or persistence engine not found (errno 2)")
    }

    @Test func aDirectRoutedDestinationOfTheOtherFamilyFails() throws {
        let six = KernelLab.endpoint("fd09::12", 5432)
        try expectFailure(.kernel(.invalidArgument), operation: .addDestination(key, six)) {
            try client.addDestination(Destination(endpoint: six, forwarding: .directRoute, weight: 1), to: key)
        }
    }

    /// What the hardened unit relies on: a non-root user holding only CAP_NET_ADMIN (ambient)
    /// programs IPVS over netlink.
    @Test func aNonRootUserWithAmbientCapNetAdminReadsTheTable() throws {
        let pglvsd = try #require(ProcessInfo.processInfo.environment["PGLVSD"], "the lab passes the pglvsd binary as PGLVSD")
        let output = try KernelLab.run("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups",
                                                            "--inh-caps=-all,+net_admin", "--ambient-caps=-all,+net_admin",
                                                            pglvsd, "ipvs", "list"])
        #expect(output.contains("TCP  10.9.0.200:5432 rr"))
        #expect(output.contains("10.9.0.12:5432"))
    }

    @Test func withoutCapNetAdminEveryRequestIsDenied() throws {
        let pglvsd = try #require(ProcessInfo.processInfo.environment["PGLVSD"], "the lab passes the pglvsd binary as PGLVSD")
        do {
            _ = try KernelLab.run("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups",
                                                       "--inh-caps=-all", "--bounding-set=-all", pglvsd, "ipvs", "list"])
            Issue.record("an unprivileged pglvsd read the IPVS table")
        } catch let failure as KernelLab.CommandFailure {
            #expect(failure.status == 1)
            #expect(failure.output.contains("list virtual services: permission denied (CAP_NET_ADMIN is required) (errno 1)"))
        }
    }
}

}

/// Where the kernel has no IPVS (this machine's own kernel), the client says so by type.
@Suite(.enabled(if: !KernelLab.available, "this kernel has IPVS; the absent-IPVS case is checked on kernels without it"))
struct IPVSAbsentTests {
    @Test func connectingWithoutIPVSIsATypedError() {
        #expect(throws: IPVSError(operation: .connect, kind: .ipvsUnavailable)) { try IPVSClient() }
    }
}
