import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
import Logging
import PoolCore

/// Operators' drain marks, kept as JSON in the state directory so they survive restarts
/// (like ldirectord's maintenance directory or Patroni's noloadbalance tag).
///
/// `pglvsd drain` and `undrain` change the marks under an exclusive lock, by writing a new file
/// and renaming it over the old one, so concurrent calls never lose each other's marks and the
/// daemon never reads half a file. A file that cannot be read is an error, never "no marks":
/// that would put every drained server back into rotation.
struct MaintenanceStore {
    let path: String
    let directory: String
    /// The marks of the last successful `load()`, served while the file cannot be read.
    private var lastGood: [String: MaintenanceMode]?
    private var lastProblem: String?
    private let logger: Logger

    /// The daemon runs as a dynamic user under UMask=0077; an operator's `pglvsd drain` as root
    /// must still leave a file it can read, whatever the operator's umask.
    static let fileMode: mode_t = 0o644

    init(stateDirectory: String, logger: Logger = Logger(label: "pglvsd")) {
        directory = stateDirectory
        path = stateDirectory + "/maintenance.json"
        self.logger = logger
    }

    /// The daemon's view of the marks: the file's, or while it cannot be read the last marks
    /// read (logged as an error once per problem). Throws only when no marks were ever read.
    mutating func load() throws -> [String: MaintenanceMode] {
        do {
            let marks = try read()
            if lastProblem != nil { logger.notice("\(path) is readable again") }
            lastGood = marks
            lastProblem = nil
            return marks
        } catch {
            guard let lastGood else { throw error }
            let problem = "\(error)"
            if problem != lastProblem {
                logger.error("cannot read \(path): \(problem); keeping the last maintenance marks read (\(lastGood.count))")
            }
            lastProblem = problem
            return lastGood
        }
    }

    /// The marks in the file; none when there is no file.
    func read() throws(Failure) -> [String: MaintenanceMode] {
        switch RegularFile.read(path, limit: RegularFile.textLimit) {
        case .failure(let failure) where failure.code == ENOENT:
            return [:]
        case .failure(let failure):
            throw Failure(reason: failure.message)
        case .success(let file):
            do {
                return try JSONDecoder().decode([String: MaintenanceMode].self, from: Data(file.text.utf8))
            } catch {
                throw Failure(reason: "not a maintenance file (\(error))")
            }
        }
    }

    /// Reads, changes and writes the marks while holding the state directory's lock.
    func update(_ change: (inout [String: MaintenanceMode]) -> Void) throws(Failure) {
        try createDirectory()
        let lock = try MaintenanceStore.open(directory + "/maintenance.lock", O_RDONLY | O_CREAT)
        defer { close(lock) }
        while flock(lock, LOCK_EX) != 0 {
            guard errno == EINTR else { throw Failure(errno: errno, "cannot lock \(directory)/maintenance.lock") }
        }
        var marks = try read()
        change(&marks)
        try write(marks)
    }

    /// A new file renamed over the marks (readers see the old file or the new one), synced
    /// with its directory so the change survives a crash.
    private func write(_ marks: [String: MaintenanceMode]) throws(Failure) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            try PublishedFile.write(Array(encoder.encode(marks)), to: path, mode: MaintenanceStore.fileMode, durable: true)
        } catch {
            throw Failure(reason: "\(error)")
        }
    }

    private func createDirectory() throws(Failure) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o755])
        } catch {
            throw Failure(reason: "cannot create \(directory): \(error)")
        }
    }

    /// Opens (creating as needed) a file of the store with mode 0644, set explicitly: a
    /// process umask must not make it unreadable to the daemon. Never follows a symbolic link.
    private static func open(_ path: String, _ flags: Int32) throws(Failure) -> Int32 {
        let descriptor = Glibc.open(path, flags | O_CLOEXEC | O_NOFOLLOW, fileMode)
        guard descriptor >= 0 else { throw Failure(errno: errno, "cannot open \(path)") }
        guard fchmod(descriptor, fileMode) == 0 else {
            let code = errno
            close(descriptor)
            throw Failure(errno: code, "cannot set the mode of \(path)")
        }
        return descriptor
    }

    struct Failure: Error, LocalizedError, CustomStringConvertible {
        var reason: String
        init(reason: String) { self.reason = reason }
        init(errno code: Int32, _ what: String) { reason = "\(what): \(String(cString: strerror(code)))" }
        var description: String { reason }
        var errorDescription: String? { reason }
    }
}
