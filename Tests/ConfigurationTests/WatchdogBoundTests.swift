import Testing
@testable import Configuration

/// systemd restarts the daemon when WATCHDOG=1 (once per cycle) is 10s late: settings that
/// let one cycle run that long are configuration errors.
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

    @Test func theLongestCycleFitsWithinTheWatchdog() {
        let longest = DaemonConfiguration.maximumPollInterval + DaemonConfiguration.maximumWriterTimeout
            + DaemonConfiguration.maximumProbeTimeout
        #expect(longest <= 8_000)
    }
}
