#if canImport(Glibc)
import Glibc
#endif

/// A file other programs read while pglvsd rewrites it (the metrics textfile, the status file):
/// written to a temporary file beside it and renamed over it, so a reader sees the old or the
/// new contents, never half. Its mode is set explicitly: under systemd the daemon runs with
/// `UMask=0077`, which would leave node_exporter (another user) unable to read it.
enum PublishedFile {
    struct WriteError: Error, CustomStringConvertible {
        var operation: String
        var path: String
        var errno: Int32
        var description: String { "\(operation) \(path): \(String(cString: strerror(errno)))" }
    }

    /// With `durable`, the contents reach the disk before the rename, and the rename before
    /// the call returns (the file and its directory are synced): for state that must survive a
    /// crash (drain marks), not for files rewritten every cycle.
    static func write(_ contents: [UInt8], to path: String, mode: mode_t = 0o644, durable: Bool = false) throws(WriteError) {
        let (descriptor, temporary) = try createTemporary(besides: path, mode: mode)
        var failure: WriteError?
        if fchmod(descriptor, mode) != 0 {
            failure = WriteError(operation: "chmod", path: temporary, errno: errno)
        }
        var offset = 0
        while failure == nil && offset < contents.count {
            let written = contents[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                failure = WriteError(operation: "write", path: temporary, errno: errno)
            } else {
                offset += written
            }
        }
        if failure == nil && durable && fsync(descriptor) != 0 {
            failure = WriteError(operation: "sync", path: temporary, errno: errno)
        }
        close(descriptor)
        if failure == nil && rename(temporary, path) != 0 {
            failure = WriteError(operation: "rename to", path: path, errno: errno)
        }
        if let failure {
            unlink(temporary)
            throw failure
        }
        if durable { syncDirectory(of: path) }
    }

    /// A new file beside `path` under a name nobody can guess: O_EXCL never opens what is
    /// already there, so another user of a shared directory (node_exporter's, group-writable)
    /// cannot plant a FIFO that hangs the loop or a file of theirs for pglvsd to fill.
    private static func createTemporary(besides path: String, mode: mode_t) throws(WriteError) -> (Int32, String) {
        var generator = SystemRandomNumberGenerator()
        var lastError: Int32 = EEXIST
        for _ in 0..<8 {
            let temporary = "\(path).tmp.\(String(generator.next(), radix: 36))"
            let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode)
            if descriptor >= 0 { return (descriptor, temporary) }
            lastError = errno
            if lastError != EEXIST { break }
        }
        throw WriteError(operation: "create a temporary file beside", path: path, errno: lastError)
    }

    private static func syncDirectory(of path: String) {
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        let descriptor = open(directory.isEmpty ? "/" : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }

    static func write(_ text: String, to path: String, mode: mode_t = 0o644) throws(WriteError) {
        try write(Array(text.utf8), to: path, mode: mode)
    }
}
