import LVSModel
import Testing
@testable import PoolCore

/// ipvs.timeouts against what the kernel holds: only the configured timeouts are sent, the
/// others as 0 (the kernel's "leave as is").
@Suite struct TimeoutSettingsTests {
    let kernelDefaults = IPVSTimeouts(tcp: 900, tcpFin: 120, udp: 300)

    @Test func onlyTheConfiguredTimeoutThatDiffersIsSent() throws {
        let correction = try #require(TimeoutSettings(tcp: 20).correction(of: kernelDefaults))
        #expect(correction.request == IPVSTimeouts(tcp: 20, tcpFin: 0, udp: 0))
        #expect(correction.changes == ["tcp 900 s -> 20 s"])
    }

    @Test func everyDifferenceIsNamed() throws {
        let correction = try #require(TimeoutSettings(tcp: 900, tcpFin: 60, udp: 30).correction(of: kernelDefaults))
        #expect(correction.request == IPVSTimeouts(tcp: 0, tcpFin: 60, udp: 30))
        #expect(correction.changes == ["tcp_fin 120 s -> 60 s", "udp 300 s -> 30 s"])
    }

    @Test func aKernelThatAgreesNeedsNothing() {
        #expect(TimeoutSettings(tcp: 900, tcpFin: 120).correction(of: kernelDefaults) == nil)
        #expect(TimeoutSettings().correction(of: kernelDefaults) == nil)
        #expect(TimeoutSettings().isEmpty)
        #expect(!TimeoutSettings(udp: 1).isEmpty)
    }
}
