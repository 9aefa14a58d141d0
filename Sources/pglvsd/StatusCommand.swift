import ArgumentParser
import Configuration
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
import IPVS

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show each pool as the running daemon decided it, and the live kernel table.",
        discussion: """
            Exit status: 0 healthy; 1 degraded (writer unreachable, or a pool below min_pool); \
            3 not running (no status, or none written for three poll intervals); 4 unknown (bad configuration).
            """)

    @Option(name: .shortAndLong, help: "Path of the configuration file.")
    var config: String = "/etc/pglvsd/pglvsd.yaml"

    @Flag(help: "Print the daemon's status as JSON.")
    var json = false

    func run() throws {
        let loaded: DaemonConfiguration
        do {
            loaded = try ConfigFile.load(path: config)
        } catch {
            for problem in error.problems { printError("\(config): \(problem)") }
            throw ExitCode(4)
        }
        let path = StatusReport.path(runtimeDirectory: loaded.runtimeDirectory)
        guard let report = try? StatusReport.read(from: path) else {
            printError("pglvsd is not running (no status at \(path))")
            throw ExitCode(3)
        }
        let age = Date().timeIntervalSince(report.updatedAt)
        let stale = age > 3 * Double(report.pollIntervalMilliseconds) / 1000 + 2 || kill(report.pid, 0) != 0
        if json {
            print(String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self))
        } else {
            print(render(report, age: age))
            if let client = try? IPVSClient(), let tables = try? KernelServiceTable.read(client), let info = try? client.info() {
                print("kernel table:")
                print(IPVSTableText.render(tables, info: info), terminator: "")
            }
        }
        if stale {
            printError("pglvsd is not running (status last written \(Int(age)) s ago by pid \(report.pid))")
            throw ExitCode(3)
        }
        let degraded = !report.writer.reachable || report.pools.contains { pool in
            pool.members.filter { $0.weight > 0 }.count < pool.minPool
        }
        if degraded { throw ExitCode(1) }
    }

    private func render(_ report: StatusReport, age: TimeInterval) -> String {
        var lines = ["pglvsd pid \(report.pid), \(report.ready ? "ready" : "starting"), updated \(Decimal.fixed(age, places: 1)) s ago",
                     "writer: \(report.writer.conninfo) — " + (report.writer.reachable
                        ? "reachable\(report.writer.address.map { " at \($0)" } ?? "")"
                        : "UNREACHABLE (fail-static): \(report.writer.problem ?? "")")]
        for pool in report.pools {
            let serving = pool.members.filter { $0.weight > 0 }.count
            lines.append("\(pool.name) \(pool.virtualService): \(serving) serving of \(pool.members.count)")
            for member in pool.members {
                let lag = member.lagBytes.map { " lag \($0) bytes" } ?? ""
                let since = member.since.map { " since \($0.formatted(.iso8601))" } ?? ""
                lines.append("  \(member.name) \(member.address):\(member.port) weight \(member.weight) \(member.state)\(lag)\(since)")
            }
            for excluded in pool.excluded { lines.append("  not serving: \(excluded.name): \(excluded.reason)") }
            for warning in pool.warnings { lines.append("  warning: \(warning)") }
        }
        return lines.joined(separator: "\n")
    }
}
