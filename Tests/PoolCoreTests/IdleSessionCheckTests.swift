import LVSModel
import Testing
@testable import PoolCore

/// Idle sessions through the VIP survive only if each server's keepalives come sooner than
/// IPVS's tcp timeout; the warning names the server and the numbers.
@Suite struct IdleSessionCheckTests {
    @Test func aServerAtTheOSDefaultIsWarnedAboutWithItsNumbers() {
        let warnings = IdleSessionCheck.warnings(service: "10.0.0.200:5432", tcpTimeoutSeconds: 900,
                                                 servers: [("node2", ServerKeepalive(idleSeconds: 7200, intervalSeconds: 75))])
        #expect(warnings == [
            "node2: sessions idle longer than 900 s through 10.0.0.200:5432 are dropped silently by IPVS: node2 sends "
                + "its first TCP keepalive after 7200 s; set tcp_keepalives_idle below 900 on node2 or raise ipvs.timeouts.tcp",
        ])
    }

    @Test func keepalivesSoonerThanTheTimeoutKeepSessionsAlive() {
        let warnings = IdleSessionCheck.warnings(service: "10.0.0.200:5432", tcpTimeoutSeconds: 900,
                                                 servers: [("node2", ServerKeepalive(idleSeconds: 600, intervalSeconds: 75)),
                                                           ("node3", ServerKeepalive(idleSeconds: 899))])
        #expect(warnings.isEmpty)
    }

    /// The first keepalive at exactly the timeout may come after the entry is gone.
    @Test func aFirstKeepaliveAtTheTimeoutItselfIsTooLate() {
        let warnings = IdleSessionCheck.warnings(service: "VIP", tcpTimeoutSeconds: 20,
                                                 servers: [("node3", ServerKeepalive(idleSeconds: 20))])
        #expect(warnings.count == 1)
        #expect(warnings.first?.hasPrefix("node3: sessions idle longer than 20 s through VIP") == true)
    }

    /// After the first keepalive the entry lives one more timeout: later ones must come within it.
    @Test func keepalivesRepeatedLessOftenThanTheTimeoutAreWarnedAbout() {
        let warnings = IdleSessionCheck.warnings(service: "10.0.0.200:5432", tcpTimeoutSeconds: 60,
                                                 servers: [("node4", ServerKeepalive(idleSeconds: 30, intervalSeconds: 75))])
        #expect(warnings == [
            "node4: sessions idle longer than 90 s through 10.0.0.200:5432 are dropped silently by IPVS: node4 repeats "
                + "TCP keepalives only every 75 s; set tcp_keepalives_interval below 60 on node4 or raise ipvs.timeouts.tcp",
        ])
    }

    @Test func oneWarningPerServerInNameOrder() {
        let late = ServerKeepalive(idleSeconds: 7200, intervalSeconds: 75)
        let warnings = IdleSessionCheck.warnings(service: "VIP", tcpTimeoutSeconds: 20,
                                                 servers: [("node3", late), ("node2", late), ("node4", ServerKeepalive(idleSeconds: 5, intervalSeconds: 5))])
        #expect(warnings.map { $0.prefix(6) } == ["node2:", "node3:"])
    }

    @Test func nothingIsClaimedWithoutATimeoutOrAKnownKeepalive() {
        #expect(IdleSessionCheck.warnings(service: "VIP", tcpTimeoutSeconds: 0,
                                          servers: [("node2", ServerKeepalive(idleSeconds: 7200))]).isEmpty)
        #expect(IdleSessionCheck.warnings(service: "VIP", tcpTimeoutSeconds: 20,
                                          servers: [("node2", ServerKeepalive(idleSeconds: 0))]).isEmpty)
    }

    @Test func onlyTCPServicesHaveTheTCPTimeout() {
        let vip = SocketEndpoint(address: IPAddress("10.0.0.200")!, port: 5432)
        #expect(IdleSessionCheck.appliesTo(.endpoint(.tcp, vip)))
        #expect(!IdleSessionCheck.appliesTo(.endpoint(.udp, vip)))
        #expect(IdleSessionCheck.appliesTo(.firewallMark(7, .inet)))
    }
}
