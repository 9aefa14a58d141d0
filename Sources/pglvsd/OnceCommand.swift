import ArgumentParser
import Configuration
import IPVS
import Logging

struct Once: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Observe once, decide, and apply (or with --dry-run only print) the operations.",
        discussion: """
            A single cycle judges each server on what it sees now (rise and fall count as 1), \
            starting from what the kernel holds.
            """)

    @Option(name: .shortAndLong, help: "Path of the configuration file.")
    var config: String = "/etc/pglvsd/pglvsd.yaml"

    @Flag(help: "Print the operations instead of applying them.")
    var dryRun = false

    func run() throws {
        var loaded: DaemonConfiguration
        do {
            loaded = try ConfigFile.load(path: config)
        } catch {
            for problem in error.problems { printError("\(config): \(problem)") }
            throw ExitCode(2)
        }
        for index in loaded.virtualServices.indices {
            loaded.virtualServices[index].policy.rise = 1
            loaded.virtualServices[index].policy.fall = 1
        }
        var logger = Logger(label: "pglvsd")
        logger.logLevel = .warning
        let table: any IPVSTable
        do {
            let kernel = try IPVSClient()
            // A dry run decides against a copy of the kernel's table that records the changes.
            table = dryRun ? try RecordingIPVSTable(copying: kernel) : kernel
        } catch {
            printError("pglvsd: \(error)")
            throw ExitCode(1)
        }
        let loop = ReconcileLoop(configuration: loaded, logger: logger, table: table, dryRun: dryRun)
        let results = loop.runOnce()
        for service in loaded.virtualServices {
            print("\(service.name) \(service.service.key):")
            for member in results[service.name]?.members ?? [] { print("  member: \(member)") }
            for exclusion in results[service.name]?.exclusions ?? [] { print("  not serving: \(exclusion.name): \(exclusion.reason)") }
            let operations = loop.poolKeeper.lastOperations[service.name] ?? []
            if dryRun {
                print(operations.isEmpty ? "  no change needed" : operations.map { "  would \($0)" }.joined(separator: "\n"))
            }
        }
    }
}
