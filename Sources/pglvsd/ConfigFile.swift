import Configuration
#if canImport(Glibc)
import Glibc
#endif
import Postgres

/// Reads and validates a configuration file, adding the checks that need libpq.
enum ConfigFile {
    static func load(path: String) throws(ConfigurationError) -> DaemonConfiguration {
        let text: String
        switch readFile(path) {
        case .success(let contents): text = contents
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
            problems += conninfoProblems(configuration.writer.conninfo, path: "writer.conninfo")
            if let replica = configuration.replicaConninfo {
                problems += conninfoProblems(replica, path: "replica_conninfo")
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
    /// silently ignore it and fail later with a less helpful error).
    private static func conninfoProblems(_ conninfo: String, path: String) -> [ConfigurationProblem] {
        do {
            try Conninfo.validate(conninfo)
            if let passfile = try Conninfo.value(of: "passfile", in: conninfo) {
                if case .failure(let failure) = readFile(passfile) {
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
        var info = stat()
        guard stat(path, &info) == 0 else { return .failure(ReadFailure(errno)) }
        guard info.st_mode & S_IFMT == S_IFREG else { return .failure(ReadFailure(message: "not a regular file")) }
        if info.st_mode & (S_IRWXG | S_IRWXO) != 0 {
            return .failure(ReadFailure(message: "group or others may access it (mode \(String(info.st_mode & 0o777, radix: 8))); chmod 0600"))
        }
        return readFile(path).flatMap { text in
            let line = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            let password = line.hasSuffix("\r") ? String(line.dropLast()) : line
            return password.isEmpty ? .failure(ReadFailure(message: "the first line (the password) is empty")) : .success(password)
        }
    }

    /// The file's text, or the C library's reason it cannot be read.
    private static func readFile(_ path: String) -> Result<String, ReadFailure> {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return .failure(ReadFailure(errno)) }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(ReadFailure(errno))
            }
            if count == 0 { break }
            bytes += chunk[0..<count]
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return .failure(ReadFailure(message: "not UTF-8 text"))
        }
        return .success(text)
    }

    struct ReadFailure: Error, CustomStringConvertible {
        var message: String
        init(message: String) { self.message = message }
        init(_ code: Int32) { message = String(cString: strerror(code)) }
        var description: String { message }
    }
}
