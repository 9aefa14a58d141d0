import Logging
import Testing
@testable import pglvsd

/// A round that changes thousands of servers logs a bounded number of lines per kind.
@Suite struct LogBurstLimitTests {
    @Test func pastTheLimitOneLineCountsTheRest() {
        let log = LogRecorder()
        var burst = LogBurstLimit(limit: 3)
        var admitted = 0
        for index in 1...2333 where burst.admits("servers draining", "10.0.9.\(index) is draining") { admitted += 1 }
        let joining = burst.admits("servers joining", "node2 joined")
        #expect(joining)
        burst.summarize(log.logger)
        #expect(admitted == 3)
        #expect(log.messages(at: .notice) == [
            "2330 more servers draining this round, not logged one by one (the first of them: 10.0.9.4 is draining)",
        ])
    }

    @Test func underTheLimitNothingIsSummarized() {
        let log = LogRecorder()
        var burst = LogBurstLimit()
        for index in 1...20 {
            let admitted = burst.admits("kernel changes", "op \(index)")
            #expect(admitted)
        }
        burst.summarize(log.logger)
        #expect(log.lines.isEmpty)
    }
}
