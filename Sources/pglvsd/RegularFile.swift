#if canImport(Glibc)
import Glibc
#endif

/// Reads files an operator names in the configuration (the configuration itself, a
/// password_file, a passfile) without trusting what is at the path: a FIFO would block the
/// read forever and /dev/zero never ends, so only a regular file of bounded size is read.
struct RegularFile {
    /// The file's text.
    var text: String
    /// Its st_mode, from the descriptor that was read (no window between check and read).
    var mode: mode_t

    /// The configuration and a libpq passfile.
    static let textLimit = 1 << 20
    /// A password_file: one line.
    static let passwordLimit = 4 << 10

    /// The file's text when it is a regular UTF-8 file of at most `limit` bytes; otherwise
    /// why not, never quoting the content.
    static func read(_ path: String, limit: Int) -> Result<RegularFile, ReadFailure> {
        // O_NONBLOCK: opening a FIFO for reading waits for a writer; with it, open returns at
        // once and fstat below refuses it. O_NOCTTY: a terminal never becomes ours.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard descriptor >= 0 else { return .failure(ReadFailure(errno)) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return .failure(ReadFailure(errno)) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            return .failure(ReadFailure(message: "not a regular file (\(kind(info.st_mode)))"))
        }
        guard info.st_size <= limit else { return .failure(tooLarge(limit)) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(ReadFailure(errno))
            }
            if count == 0 { break }
            bytes += chunk[0..<count]
            // The file may grow after fstat.
            if bytes.count > limit { return .failure(tooLarge(limit)) }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return .failure(ReadFailure(message: "not UTF-8 text"))
        }
        return .success(RegularFile(text: text, mode: info.st_mode))
    }

    private static func tooLarge(_ limit: Int) -> ReadFailure {
        ReadFailure(message: "larger than \(limit >= 1 << 20 ? "\(limit >> 20) MiB" : "\(limit >> 10) KiB")")
    }

    private static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: return "a FIFO"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFDIR: return "a directory"
        case S_IFSOCK: return "a socket"
        default: return "mode \(String(mode, radix: 8))"
        }
    }

    struct ReadFailure: Error, CustomStringConvertible {
        var message: String
        /// The C library's errno, when the failure is one (ENOENT: nothing at the path).
        var code: Int32?
        init(message: String) { self.message = message }
        init(_ code: Int32) {
            message = String(cString: strerror(code))
            self.code = code
        }
        var description: String { message }
    }
}
