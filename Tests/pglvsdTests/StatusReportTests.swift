import Foundation
import Testing
@testable import pglvsd

/// The status file `pglvsd status` and the Pacemaker agent read: written and read back with
/// FoundationEssentials' JSON (dates as ISO 8601, keys in snake case).
@Suite struct StatusReportTests {
    @Test func aReportReadsBackAsWritten() throws {
        let directory = try TemporaryDirectory()
        let since = Date(timeIntervalSince1970: 1_795_000_000)
        let member = StatusReport.Member(name: "node2", address: "10.0.0.12", port: 5432, weight: 2, state: "serving",
                                         lagBytes: 0, since: since)
        let pool = StatusReport.Pool(name: "reader", virtualService: "TCP 10.0.0.200:5432", members: [member],
                                     excluded: [.init(name: "node4", reason: "lagging (bytes: 91 MiB)")], warnings: [],
                                     minPool: 1)
        let report = StatusReport(pid: 42, updatedAt: since, pollIntervalMilliseconds: 500, ready: true,
                                  writer: .init(conninfo: "host=10.0.0.100", reachable: true, problem: nil, address: "10.0.0.100"),
                                  pools: [pool])
        let path = directory.path + "/run/status.json"
        try report.write(to: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("\"since\" : \"2026-11-18T"), "ISO 8601: \(text)")
        #expect(text.contains("\"poll_interval_milliseconds\" : 500"))
        let read = try StatusReport.read(from: path)
        #expect(read.pools.first?.members.first?.since == since)
        #expect(read.pools.first?.excluded.first?.reason == "lagging (bytes: 91 MiB)")
        #expect(read.writer.address == "10.0.0.100" && read.pid == 42 && read.ready)
    }
}
