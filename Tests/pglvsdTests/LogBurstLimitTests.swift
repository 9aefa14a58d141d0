import Logging
import Synchronization
import Testing
@testable import pglvsd

/// A round that changes thousands of servers logs a bounded number of lines per kind.
@Suite struct LogBurstLimitTests {
    /// Collects the messages a logger is given.
    final class Lines: Sendable {
        let messages = Mutex<[String]>([])
    }

    struct Collecting: LogHandler {
        let lines: Lines
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
                 file: String, function: String, line: UInt) {
            lines.messages.withLock { $0.append("\(message)") }
        }
    }

    @Test func pastTheLimitOneLineCountsTheRest() {
        let lines = Lines()
        let logger = Logger(label: "test") { _ in Collecting(lines: lines) }
        var burst = LogBurstLimit(limit: 3)
        var admitted = 0
        for index in 1...2333 where burst.admits("servers draining", "10.0.9.\(index) is draining") { admitted += 1 }
        let joining = burst.admits("servers joining", "node2 joined")
        #expect(joining)
        burst.summarize(logger)
        #expect(admitted == 3)
        #expect(lines.messages.withLock { $0 } == [
            "2330 more servers draining this round, not logged one by one (the first of them: 10.0.9.4 is draining)",
        ])
    }

    @Test func underTheLimitNothingIsSummarized() {
        let lines = Lines()
        let logger = Logger(label: "test") { _ in Collecting(lines: lines) }
        var burst = LogBurstLimit()
        for index in 1...20 {
            let admitted = burst.admits("kernel changes", "op \(index)")
            #expect(admitted)
        }
        burst.summarize(logger)
        #expect(lines.messages.withLock { $0 }.isEmpty)
    }
}
