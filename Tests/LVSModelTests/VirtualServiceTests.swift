import Testing
@testable import LVSModel

@Suite struct VirtualServiceTests {
    @Test func defaultNetmaskFollowsTheFamily() {
        let v4 = VirtualService(key: .endpoint(.tcp, SocketEndpoint(address: IPAddress("10.0.0.200")!, port: 5432)), scheduler: "rr")
        let v6 = VirtualService(key: .endpoint(.tcp, SocketEndpoint(address: IPAddress("fd00::200")!, port: 5432)), scheduler: "rr")
        #expect(v4.netmask == 0xffff_ffff)
        #expect(v6.netmask == 128)
    }

    @Test func keysPrintAsIpvsadmNamesServices() {
        #expect(VirtualServiceKey.endpoint(.tcp, SocketEndpoint(address: IPAddress("10.0.0.200")!, port: 5432)).description
                == "TCP 10.0.0.200:5432")
        #expect(VirtualServiceKey.firewallMark(7, .inet).description == "FWM 7")
    }

    @Test func versionPrintsDotted() {
        #expect(IPVSInfo(version: 0x010201, connectionTableSize: 4096).versionString == "1.2.1")
    }
}
