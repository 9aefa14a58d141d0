import ArgumentParser
import Configuration
import PoolCore

struct Drain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Take a real server out of rotation without editing the configuration.",
        discussion: """
            By default the server stays in IPVS at weight 0: existing sessions continue, no new \
            connections arrive. With --exclude it leaves the pool entirely. The mark is kept in the \
            state directory and survives restarts; the running daemon applies it on its next cycle.
            """)

    @Option(name: .shortAndLong, help: "Path of the configuration file.")
    var config: String = "/etc/pglvsd/pglvsd.yaml"

    @Flag(help: "Remove the server from the pool instead of setting its weight to 0.")
    var exclude = false

    @Argument(help: "The server: its application_name (host name) or address.")
    var server: String

    func run() throws {
        try MaintenanceEditor.edit(config: config) { $0[server] = exclude ? .exclude : .drain }
        print("\(server): \(exclude ? "excluded" : "drained (weight 0)") until `pglvsd undrain \(server)`")
    }
}

struct Undrain: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Return a drained or excluded real server to rotation.")

    @Option(name: .shortAndLong, help: "Path of the configuration file.")
    var config: String = "/etc/pglvsd/pglvsd.yaml"

    @Argument(help: "The server: its application_name (host name) or address.")
    var server: String

    func run() throws {
        var found = false
        try MaintenanceEditor.edit(config: config) { found = $0.removeValue(forKey: server) != nil }
        print(found ? "\(server): back in rotation" : "\(server): was not drained")
    }
}

enum MaintenanceEditor {
    static func edit(config: String, _ change: (inout [String: MaintenanceMode]) -> Void) throws {
        let loaded: DaemonConfiguration
        do {
            loaded = try ConfigFile.load(path: config)
        } catch {
            for problem in error.problems { printError("\(config): \(problem)") }
            throw ExitCode(2)
        }
        let store = MaintenanceStore(stateDirectory: loaded.stateDirectory)
        do {
            try store.update(change)
        } catch {
            printError("pglvsd: \(store.path): \(error)")
            throw ExitCode(1)
        }
    }
}
