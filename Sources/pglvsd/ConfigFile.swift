import Configuration
#if canImport(Glibc)
import Glibc
#endif
import Postgres

/// Reads and validates a configuration file, adding the checks that need libpq.
enum ConfigFile {
    static func load(path: String) throws(ConfigurationError) -> DaemonConfiguration {
        let text: String
        let mode: mode_t
        switch RegularFile.read(path, limit: RegularFile.textLimit) {
        case .success(let file): (text, mode) = (file.text, file.mode)
        case .failure(let message):
            throw ConfigurationError(problems: [ConfigurationProblem(path: "", message: "cannot read \(path): \(message)")])
        }
        var problems: [ConfigurationProblem] = []
        var configuration: DaemonConfiguration?
        do {
            configuration = try ConfigurationLoader.load(yaml: text)
        } catch {
            problems = error.problems
        }
        if let configuration {
            problems += conninfoProblems(configuration.writer.conninfo, path: "writer.conninfo", fileMode: mode)
            if let replica = configuration.replicaConninfo {
                problems += conninfoProblems(replica, path: "replica_conninfo", fileMode: mode)
            }
            if let passwordFile = configuration.writer.passwordFile {
                if case .failure(let failure) = password(passwordFile) {
                    problems.append(ConfigurationProblem(path: "writer.password_file", message: "\(passwordFile): \(failure)"))
                }
                if (try? Conninfo.value(of: "password", in: configuration.writer.conninfo)) != nil {
                    problems.append(ConfigurationProblem(path: "writer.password_file",
                                                         message: "writer.conninfo already holds a password; keep one of them"))
                }
            }
        }
        guard let configuration, problems.isEmpty else { throw ConfigurationError(problems: problems) }
        return configuration
    }

    /// A conninfo that libpq cannot parse, or whose passfile cannot be read (libpq would
    /// silently ignore it and fail later with a less helpful error), or that holds a password
    /// in a configuration file group or others may read (the packaged example is 0644: the
    /// password belongs in the pgpass file, as libpq itself insists for a passfile).
    private static func conninfoProblems(_ conninfo: String, path: String, fileMode: mode_t) -> [ConfigurationProblem] {
        do {
            try Conninfo.validate(conninfo)
            if try Conninfo.value(of: "password", in: conninfo) != nil, fileMode & (S_IRWXG | S_IRWXO) != 0 {
                return [ConfigurationProblem(path: path, message: "holds a password while group or others may read this file "
                                             + "(mode \(String(fileMode & 0o777, radix: 8))): move it to a pgpass file or password_file, or chmod 0600")]
            }
            if let passfile = try Conninfo.value(of: "passfile", in: conninfo) {
                if case .failure(let failure) = RegularFile.read(passfile, limit: RegularFile.textLimit) {
                    return [ConfigurationProblem(path: path, message: "passfile \(passfile) cannot be read: \(failure)")]
                }
            }
            return []
        } catch {
            return [ConfigurationProblem(path: path, message: error.message)]
        }
    }

    /// The password in a password_file: its first line. Like libpq with a passfile, the file
    /// is refused when its group or others may read it. The failure never quotes the content.
    static func password(_ path: String) -> Result<String, ReadFailure> {
        RegularFile.read(path, limit: RegularFile.passwordLimit).flatMap { file in
            if file.mode & (S_IRWXG | S_IRWXO) != 0 {
                return .failure(ReadFailure(message: "group or others may access it (mode \(String(file.mode & 0o777, radix: 8))); chmod 0600"))
            }
            // "\r\n" is one Character in Swift: a CRLF file ends its first line there too.
            let password = file.text.split(maxSplits: 1, omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
                .first.map(String.init) ?? ""
            return password.isEmpty ? .failure(ReadFailure(message: "the first line (the password) is empty")) : .success(password)
        }
    }

    typealias ReadFailure = RegularFile.ReadFailure
}
