import Testing
import LVSModel
@testable import IPVS

/// The layouts below were captured from ipvsadm v1.31 -Ln on the lab kernel.
@Suite struct IPVSTableTextTests {
    let info = IPVSInfo(version: 0x010201, connectionTableSize: 4096)

    func endpoint(_ address: String, _ port: UInt16) -> SocketEndpoint { SocketEndpoint(address: IPAddress(address)!, port: port) }

    @Test func standardListingMatchesIpvsadm() {
        let tables = [
            KernelServiceTable(service: VirtualService(key: .endpoint(.tcp, endpoint("10.0.0.1", 80)), scheduler: "sh",
                                                       flags: [.persistent, .shFallback, .shPort, .hashed],
                                                       persistenceTimeout: 300, netmask: 0xffff_ff00), destinations: []),
            KernelServiceTable(service: VirtualService(key: .endpoint(.tcp, endpoint("10.0.0.1", 5432)), scheduler: "rr"),
                               destinations: [
                                   Destination(endpoint: endpoint("10.0.0.2", 5432), forwarding: .directRoute, weight: 3),
                                   Destination(endpoint: endpoint("10.0.0.3", 6432), forwarding: .masquerade, weight: 1,
                                               connections: ConnectionCounts(active: 12, inactive: 345)),
                               ]),
            KernelServiceTable(service: VirtualService(key: .endpoint(.udp, endpoint("10.0.0.1", 53)), scheduler: "wlc",
                                                       flags: .onePacket), destinations: []),
            KernelServiceTable(service: VirtualService(key: .endpoint(.sctp, endpoint("10.0.0.1", 3868)), scheduler: "rr"),
                               destinations: []),
            KernelServiceTable(service: VirtualService(key: .endpoint(.tcp, endpoint("fd00::1", 5432)), scheduler: "mh",
                                                       flags: [.persistent, .mhFallback], persistenceTimeout: 60, netmask: 64),
                               destinations: []),
            KernelServiceTable(service: VirtualService(key: .firewallMark(7, .inet), scheduler: "rr", flags: .persistent,
                                                       persistenceTimeout: 360), destinations: []),
        ]
        #expect(IPVSTableText.render(tables, info: info) == """
            IP Virtual Server version 1.2.1 (size=4096)
            Prot LocalAddress:Port Scheduler Flags
              -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
            TCP  10.0.0.1:80 sh (sh-fallback,sh-port) persistent 300 mask 255.255.255.0
            TCP  10.0.0.1:5432 rr
              -> 10.0.0.2:5432                Route   3      0          0         
              -> 10.0.0.3:6432                Masq    1      12         345       
            UDP  10.0.0.1:53 wlc ops
            SCTP 10.0.0.1:3868 rr
            TCP  [fd00::1]:5432 mh (mh-fallback) persistent 60 mask 64
            FWM  7 rr persistent 360

            """)
    }

    @Test func tunnelInfoMatchesIpvsadm() {
        let table = KernelServiceTable(
            service: VirtualService(key: .endpoint(.tcp, endpoint("10.0.0.1", 5432)), scheduler: "rr"),
            destinations: [
                Destination(endpoint: endpoint("10.0.0.2", 5432), forwarding: .directRoute, weight: 3),
                Destination(endpoint: endpoint("10.0.0.4", 5432), forwarding: .tunnel, weight: 1,
                            tunnel: TunnelSettings(encapsulation: .gue, port: 6080)),
                Destination(endpoint: endpoint("10.0.0.5", 5432), forwarding: .tunnel, weight: 1,
                            tunnel: TunnelSettings(encapsulation: .gre, flags: .checksum)),
            ])
        #expect(IPVSTableText.render([table], info: info, listing: .tunnelInfo) == """
            IP Virtual Server version 1.2.1 (size=4096)
            Prot LocalAddress:Port Scheduler Flags
              -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn
            TCP  10.0.0.1:5432 rr
              -> 10.0.0.2:5432                Route   n/a           3      0          0         
              -> 10.0.0.4:5432                Tunnel  gue:6080:-c   1      0          0         
              -> 10.0.0.5:5432                Tunnel  gre:+c        1      0          0         

            """)
    }

    @Test func statsUseIpvsadmsLargeNumberColumns() {
        let stats = TrafficStats(connections: 7, inPackets: 123_456_789, outPackets: 5_000_000_000,
                                 inBytes: 99_999_999, outBytes: 200_000_000_000_000)
        let table = KernelServiceTable(
            service: VirtualService(key: .endpoint(.tcp, endpoint("10.0.0.1", 5432)), scheduler: "rr", stats: stats),
            destinations: [Destination(endpoint: endpoint("10.0.0.2", 5432), forwarding: .directRoute, weight: 1, stats: TrafficStats())])
        #expect(IPVSTableText.render([table], info: info, listing: .stats) == """
            IP Virtual Server version 1.2.1 (size=4096)
            Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes
              -> RemoteAddress:Port
            TCP  10.0.0.1:5432                       7  123456K    5000M 99999999     200T
              -> 10.0.0.2:5432                       0        0        0        0        0

            """)
    }

    @Test func timeoutsPrintAsIpvsadm() {
        #expect(IPVSTableText.render(IPVSTimeouts(tcp: 900, tcpFin: 120, udp: 300)) == "Timeout (tcp tcpfin udp): 900 120 300\n")
    }
}
