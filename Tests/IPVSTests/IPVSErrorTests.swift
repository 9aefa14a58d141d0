import Testing
import LVSModel
@testable import IPVS

@Suite struct IPVSErrorTests {
    let key = VirtualServiceKey.endpoint(.tcp, SocketEndpoint(address: IPAddress("10.0.0.200")!, port: 5432))
    let endpoint = SocketEndpoint(address: IPAddress("10.0.0.12")!, port: 5432)

    @Test func namesTheOperationAndWhatTheCodeMeansForIt() {
        let exists = IPVSError(operation: .addDestination(key, endpoint), kind: .kernel(.exists))
        #expect(exists.description == "add real server 10.0.0.12:5432 to TCP 10.0.0.200:5432: real server already exists (errno 17)")
        #expect(exists.errno == .exists)

        let noService = IPVSError(operation: .deleteService(key), kind: .kernel(.noSuchProcess))
        #expect(noService.description == "delete virtual service TCP 10.0.0.200:5432: no such virtual service (errno 3)")

        let noDestination = IPVSError(operation: .deleteDestination(key, endpoint), kind: .kernel(.noEntry))
        #expect(noDestination.reason == "no such real server (errno 2)")

        let noScheduler = IPVSError(operation: .addService(key), kind: .kernel(.noEntry))
        #expect(noScheduler.reason == "scheduler or persistence engine not found (errno 2)")

        let denied = IPVSError(operation: .listServices, kind: .kernel(.permissionDenied))
        #expect(denied.reason.hasPrefix("permission denied"))

        let absent = IPVSError(operation: .connect, kind: .ipvsUnavailable)
        #expect(absent.description.contains("ip_vs module"))

        // Generic netlink's ENOENT for a family id nobody holds is no missing real server.
        let staleFamily = IPVSError(operation: .listServices, kind: .kernel(.noEntry))
        #expect(staleFamily.reason == "no IPVS netlink family under the id in use (ip_vs unloaded, or loaded again) (errno 2)")
    }
}
