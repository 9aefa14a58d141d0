import Foundation
import Testing
@testable import Configuration

/// systemd restarts the daemon when WATCHDOG=1 is 10s late: settings that let the loop go that
/// long between keep-alives are configuration errors.
@Suite struct WatchdogBoundTests {
    @Test func aPollIntervalBeyondFiveSecondsIsNamed() {
        #expect(problems(minimal + "\npoll_interval: 23h") == [
            "poll_interval: must be at most 5s (systemd's watchdog expects a cycle within 10s), got 82800s",
        ])
        #expect(problems(minimal + "\npoll_interval: 5001ms").count == 1)
    }

    @Test func longTimeoutsAreNamed() {
        #expect(problems(minimal + "\nprobe_timeout: 30s") == ["probe_timeout: must be between 50ms and 1s, got 30s"])
        let writer = "writer: {conninfo: \"host=x\", timeout: 30s}\n"
        #expect(problems(writer + minimal.split(separator: "\n").dropFirst(2).joined(separator: "\n")) == [
            "writer.timeout: must be between 50ms and 2s, got 30s",
        ])
    }

    @Test func theBoundsThemselvesAndTheLabsSettingsLoad() throws {
        for poll in ["500ms", "1s", "5s"] {
            let loaded = try ConfigurationLoader.load(yaml: minimal + "\npoll_interval: \(poll)\nprobe_timeout: 1s")
            #expect(loaded.fastPollInterval.milliseconds <= loaded.pollInterval.milliseconds)
        }
        let writer = "writer: {conninfo: \"host=x\", timeout: 2s}\n"
        #expect(problems(writer + minimal.split(separator: "\n").dropFirst(2).joined(separator: "\n")).isEmpty)
    }

    /// The most patient configuration check-config accepts, against the WatchdogSec the shipped
    /// unit sets, with a second left for the decision's own work.
    @Test func theLongestGapBetweenKeepAlivesFitsTheUnitsWatchdog() throws {
        let writer = "writer: {conninfo: \"host=x\", timeout: \(DaemonConfiguration.maximumWriterTimeout)ms}\n"
        let slowest = try ConfigurationLoader.load(yaml: writer + minimal.split(separator: "\n").dropFirst(2).joined(separator: "\n")
            + "\npoll_interval: \(DaemonConfiguration.maximumPollInterval)ms\nprobe_timeout: \(DaemonConfiguration.maximumProbeTimeout)ms")
        let gap = CycleBudget.longestWatchdogGapMilliseconds(slowest)
        #expect(gap == 7_000)
        let watchdog = try unitWatchdogMilliseconds()
        #expect(gap + 1_000 <= watchdog)
    }

    @Test func theKernelsShareOfARoundIsCounted() throws {
        let loaded = try ConfigurationLoader.load(yaml: minimal + "\npoll_interval: 500ms\nprobe_timeout: 500ms")
        #expect(CycleBudget.longestWatchdogGapMilliseconds(loaded)
                == loaded.writer.timeout.milliseconds + 3 * 500 + CycleBudget.kernelMilliseconds)
    }

    /// WatchdogSec= in systemd/pglvsd.service, in milliseconds.
    private func unitWatchdogMilliseconds() throws -> Int {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../systemd/pglvsd.service")
        let unit = try String(contentsOf: url, encoding: .utf8)
        let line = try #require(unit.split(separator: "\n").first { $0.hasPrefix("WatchdogSec=") })
        let value = line.dropFirst("WatchdogSec=".count)
        let seconds = try #require(Int(value.hasSuffix("s") ? value.dropLast() : value), "WatchdogSec=\(value)")
        return seconds * 1000
    }
}
