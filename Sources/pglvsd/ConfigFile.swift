import Configuration
import Foundation
import Postgres

/// Reads and validates a configuration file, adding the checks that need libpq.
enum ConfigFile {
    static func load(path: String) throws(ConfigurationError) -> DaemonConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError(problems: [ConfigurationProblem(path: "", message: "cannot read \(path): \(reason(error))")])
        }
        var problems: [ConfigurationProblem] = []
        var configuration: DaemonConfiguration?
        do {
            configuration = try ConfigurationLoader.load(yaml: text)
        } catch {
            problems = error.problems
        }
        if let conninfo = configuration?.writer.conninfo {
            do {
                try Conninfo.validate(conninfo)
            } catch {
                problems.append(ConfigurationProblem(path: "writer.conninfo", message: error.message))
            }
        }
        guard let configuration, problems.isEmpty else { throw ConfigurationError(problems: problems) }
        return configuration
    }

    private static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return nsError.localizedDescription
    }
}
