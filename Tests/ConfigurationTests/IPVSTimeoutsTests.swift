import Testing
import PoolCore
@testable import Configuration

/// `ipvs.timeouts`: optional durations in whole seconds; each problem names its key path.
@Suite struct IPVSTimeoutsTests {
    @Test func timeoutsAreReadInSeconds() throws {
        let loaded = try ConfigurationLoader.load(yaml: minimal + "\nipvs:\n  timeouts: {tcp: 15m, tcp_fin: 2m, udp: 300}")
        #expect(loaded.ipvs.timeouts == TimeoutSettings(tcp: 900, tcpFin: 120, udp: 300))
    }

    @Test func unsetTimeoutsAreLeftToTheKernel() throws {
        #expect(try ConfigurationLoader.load(yaml: minimal).ipvs.timeouts.isEmpty)
        #expect(try ConfigurationLoader.load(yaml: minimal + "\nipvs: {}").ipvs.timeouts.isEmpty)
        let onlyTCP = try ConfigurationLoader.load(yaml: minimal + "\nipvs: {timeouts: {tcp: 20s}}").ipvs.timeouts
        #expect(onlyTCP == TimeoutSettings(tcp: 20))
    }

    @Test(arguments: [("0s", "got 0s"), ("1500ms", "got 1500ms"), ("0", "got 0s")])
    func aTimeoutOutsideTheBoundsIsNamed(value: String, shown: String) {
        #expect(problems(minimal + "\nipvs: {timeouts: {tcp_fin: \(value)}}") == [
            "ipvs.timeouts.tcp_fin: must be whole seconds, at least 1s and under 24h, \(shown)",
        ])
    }

    @Test func aTimeoutOfADayOrMoreOrNoDurationIsNamed() {
        #expect(problems(minimal + "\nipvs: {timeouts: {udp: 24h}}").first?.hasPrefix("ipvs.timeouts.udp: ") == true)
        #expect(problems(minimal + "\nipvs: {timeouts: {tcp: soon}}") == [
            "ipvs.timeouts.tcp: not a duration: \"soon\" (write e.g. 500ms, 1s, 2m)",
        ])
    }

    @Test func unknownKeysAndEmptyValuesAreNamed() {
        #expect(problems(minimal + "\nipvs: {timeouts: {tcp: 20s, sctp: 5s}}") == [
            "ipvs.timeouts.sctp: unknown key (expected one of: tcp, tcp_fin, udp)",
        ])
        #expect(problems(minimal + "\nipvs: {timeout: {tcp: 20s}}") == [
            "ipvs.timeout: unknown key (expected one of: sync_daemon, timeouts)",
        ])
        #expect(problems(minimal + "\nipvs:\n  timeouts:") == ["ipvs.timeouts: must not be empty"])
        #expect(problems(minimal + "\nipvs: [1]").count == 1)
    }
}
