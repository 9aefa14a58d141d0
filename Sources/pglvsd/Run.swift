import ArgumentParser
import Configuration
import Dispatch
import IPVS
import Logging
import Systemd
#if canImport(Glibc)
import Glibc
#endif

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the daemon: follow the writer's replicas and keep the IPVS pool in step.")

    @Option(name: .shortAndLong, help: "Path of the configuration file.")
    var config: String = "/etc/pglvsd/pglvsd.yaml"

    @Option(help: "Lowest level logged: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func run() throws {
        let level = logLevel
        // Under systemd stderr is the journal: write native entries with structured fields.
        let toJournal = Journal.standardErrorIsJournal
        LoggingSystem.bootstrap { label in
            if toJournal {
                var handler = JournalLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
            var handler = ConsoleLogHandler(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "pglvsd")
        let loaded: DaemonConfiguration
        do {
            loaded = try ConfigFile.load(path: config)
        } catch {
            for problem in error.problems { logger.critical("\(config): \(problem)") }
            throw ExitCode(2)
        }
        let kernel: IPVSClient
        do {
            kernel = try IPVSClient()
        } catch {
            logger.critical("\(error)")
            throw ExitCode(1)
        }
        let loop = ReconcileLoop(configuration: loaded, logger: logger, table: kernel)
        logger.info("started: \(loaded.virtualServices.count) virtual service(s), poll interval \(loaded.pollInterval)")
        loop.start()
        for signalNumber in [SIGTERM, SIGINT] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .main)
            source.setEventHandler {
                logger.info("stopping on signal \(signalNumber)")
                loop.stop { Glibc.exit(0) }
            }
            source.resume()
            Signals.retain(source)
        }
        signal(SIGHUP, SIG_IGN)
        let reload = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .main)
        let path = config
        reload.setEventHandler {
            logger.info("SIGHUP: reloading \(path)")
            loop.reload(path: path)
        }
        reload.resume()
        Signals.retain(reload)
        dispatchMain()
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// Keeps signal sources alive for the life of the process.
enum Signals {
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []
    static func retain(_ source: any DispatchSourceSignal) { sources.append(source) }
}
