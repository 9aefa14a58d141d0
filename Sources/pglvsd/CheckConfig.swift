import ArgumentParser
import Configuration
#if canImport(Glibc)
import Glibc
#endif

struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a configuration file; print every problem with its key path.")

    @Option(name: .shortAndLong, help: "Path of the configuration file.")
    var config: String = "/etc/pglvsd/pglvsd.yaml"

    func run() throws {
        do {
            let loaded = try ConfigFile.load(path: config)
            print("\(config): OK, \(loaded.virtualServices.count) virtual service(s), poll interval \(loaded.pollInterval)")
            for service in loaded.virtualServices {
                print("  \(service.name): \(service.service.key) scheduler \(service.service.scheduler), "
                      + "\(service.policy.forwarding.ipvsadmName), default_weight \(service.policy.defaultWeight), "
                      + "\(service.policy.weights.count) listed weight(s)")
            }
        } catch {
            for problem in error.problems {
                printError("\(config): \(problem)")
            }
            throw ExitCode(2)
        }
    }
}
