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
