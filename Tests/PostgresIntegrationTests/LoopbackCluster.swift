import Foundation
import Testing
@testable import Postgres

/// The loopback cluster scripts/test starts (Tests/Postgres/loopback-cluster.sh): a primary on
/// 55432, streaming replicas "replica1" on 55433 and "replica2" on 55434.
enum LoopbackCluster {
    static let directory = ProcessInfo.processInfo.environment["PGLVSD_LOOPBACK"]
    static let skipReason: Comment = "needs the loopback cluster: run through scripts/test (PGLVSD_LOOPBACK)"

    static func conninfo(port: Int) -> String { "host=127.0.0.1 port=\(port) dbname=postgres user=postgres" }
    static let primary = conninfo(port: 55432)
    static let replica1 = conninfo(port: 55433)
    static let replica2 = conninfo(port: 55434)

    /// Runs pg_ctl as the postgres user. posix_spawn and waitpid rather than Foundation's
    /// Process: `pg_ctl start` leaves a postmaster behind that inherits the child's descriptors,
    /// and Process then never notices pg_ctl's exit.
    static func pgctl(_ arguments: [String]) throws {
        let argv = ["/usr/bin/setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--",
                    "/usr/lib/postgresql/15/bin/pg_ctl"] + arguments
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var cArguments = argv.map { strdup($0) }
        cArguments.append(nil)
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, argv[0], &actions, nil, cArguments, environ) == 0 else {
            throw PostgresError(code: .unexpectedResult, message: "cannot spawn pg_ctl")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        guard status == 0 else {
            throw PostgresError(code: .unexpectedResult, message: "pg_ctl \(arguments.joined(separator: " ")) exited with status \(status)")
        }
    }

    static func dataDirectory(_ node: String) -> String { (directory ?? "/nonexistent") + "/" + node }

    static func start(_ node: String) throws {
        try pgctl(["-D", dataDirectory(node), "-l", (directory ?? "") + "/\(node).log", "-w", "-t", "60", "start"])
    }

    /// Kills a node's postmaster with SIGKILL, as a crash would. Returns what restores the node:
    /// wait for the old postmaster to be gone, start it again, wait for both replicas streaming.
    static func killPostmaster(_ node: String) throws -> () -> Void {
        let pidFile = dataDirectory(node) + "/postmaster.pid"
        let pidText = try String(contentsOfFile: pidFile, encoding: .utf8).split(separator: "\n").first.map(String.init) ?? ""
        guard let postmaster = Int32(pidText), kill(postmaster, SIGKILL) == 0 else {
            throw PostgresError(code: .unexpectedResult, message: "cannot kill \(node)'s postmaster (\(pidFile): \(pidText))")
        }
        return {
            _ = eventually(10) { kill(postmaster, 0) != 0 }
            try? FileManager.default.removeItem(atPath: pidFile)
            try? start(node)
            _ = healthy()
        }
    }

    /// Polls until the condition holds or the deadline passes; returns whether it held.
    static func eventually(_ seconds: Double, _ condition: () throws -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if (try? condition()) == true { return true }
            usleep(100_000)
        }
        return (try? condition()) == true
    }

    /// Both replicas streaming from the primary and caught up.
    static func healthy() -> Bool {
        eventually(30) {
            let report = try PostgresConnection(conninfo: primary).writerReport()
            return report.walSenders.filter { $0.state == "streaming" && $0.replayLagBytes == 0 }.count == 2
        }
    }
}
