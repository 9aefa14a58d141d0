import ArgumentParser
import Configuration
import PoolCore
#if canImport(Glibc)
import Glibc
#endif

struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a configuration file; print every problem with its key path.",
        discussion: """
            Exit status: 0 the configuration is valid (and, with --kernel, every IPVS setting it \
            depends on is right); 2 the configuration is invalid; 3 (--kernel) the configuration \
            is valid but a kernel setting defeats a removal or a drain, or cannot be read.
            """)

    @Option(name: .shortAndLong, help: "Path of the configuration file.")
    var config: String = "/etc/pglvsd/pglvsd.yaml"

    @Flag(help: "Also read the IPVS sysctls this configuration depends on and print each, its value and what it does.")
    var kernel = false

    func run() throws {
        do {
            let loaded = try ConfigFile.load(path: config)
            print("\(config): OK, \(loaded.virtualServices.count) virtual service(s), poll interval \(loaded.pollInterval)")
            for service in loaded.virtualServices {
                print("  \(service.name): \(service.service.key) scheduler \(service.service.scheduler), "
                      + "\(service.policy.forwarding.ipvsadmName), default_weight \(service.policy.defaultWeight), "
                      + "\(service.policy.weights.count) listed weight(s)")
            }
            let timeouts = loaded.ipvs.timeouts
            if !timeouts.isEmpty {
                let set = [("tcp", timeouts.tcp), ("tcp_fin", timeouts.tcpFin), ("udp", timeouts.udp)]
                    .compactMap { name, seconds in seconds.map { "\(name) \($0)s" } }
                print("  ipvs.timeouts: \(set.joined(separator: ", ")) (set at start and kept)")
            }
            if kernel, !checkKernel(loaded) { throw ExitCode(3) }
        } catch let error as ConfigurationError {
            for problem in error.problems {
                printError("\(config): \(problem)")
            }
            throw ExitCode(2)
        }
    }

    /// Prints each IPVS setting this configuration depends on; false when one is wrong.
    private func checkKernel(_ loaded: DaemonConfiguration) -> Bool {
        let persistent = loaded.virtualServices.contains { $0.service.flags.contains(.persistent) }
        let syncMaster = loaded.ipvs.syncDaemons?.contains { $0.role == .master } ?? false
        let findings = KernelSettingsCheck.findings(KernelSettingsReading.read(), persistentService: persistent,
                                                    syncMaster: syncMaster)
        print("kernel settings:")
        for finding in findings { print("  \(finding)") }
        return findings.allSatisfy(\.isOK)
    }
}
