#if canImport(Glibc)
import Glibc
#endif
import CSystemd

/// Native journald logging (sd_journal_sendv(3)): MESSAGE, PRIORITY and structured fields.
public enum Journal {
    /// syslog priorities, as journald stores them.
    public enum Priority: Int, Sendable {
        case emergency = 0, alert, critical, error, warning, notice, info, debug
    }

    /// Sends one entry. Field names are normalised to journald's rules (upper case letters,
    /// digits and underscores, not starting with an underscore). Returns false on failure.
    @discardableResult
    public static func send(message: String, priority: Priority, fields: [(name: String, value: String)]) -> Bool {
        var entries = ["MESSAGE=" + message, "PRIORITY=\(priority.rawValue)"]
        for (name, value) in fields {
            let field = fieldName(name)
            guard !field.isEmpty else { continue }
            entries.append(field + "=" + value)
        }
        var buffers = entries.map { Array($0.utf8) }
        return buffers.withUnsafeMutableBufferPointer { storage -> Bool in
            var vectors: [iovec] = []
            vectors.reserveCapacity(storage.count)
            for index in storage.indices {
                storage[index].withUnsafeMutableBytes { raw in
                    vectors.append(iovec(iov_base: raw.baseAddress, iov_len: raw.count))
                }
            }
            // The buffers outlive the call: storage is pinned for the whole closure.
            return sd_journal_sendv(vectors, Int32(vectors.count)) == 0
        }
    }

    /// True when standard error is connected to the journal (systemd sets JOURNAL_STREAM to
    /// the device and inode of the stream it gave the service).
    public static var standardErrorIsJournal: Bool {
        guard let value = getenv("JOURNAL_STREAM").map({ String(cString: $0) }) else { return false }
        let parts = value.split(separator: ":")
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var info = stat()
        guard fstat(2, &info) == 0 else { return false }
        return UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
    }

    /// `real_server.name` → `REAL_SERVER_NAME`.
    public static func fieldName(_ name: String) -> String {
        var result = ""
        for scalar in name.unicodeScalars {
            switch scalar {
            case "a"..."z": result.unicodeScalars.append(Unicode.Scalar(scalar.value - 32)!)
            case "A"..."Z", "0"..."9": result.unicodeScalars.append(scalar)
            default: result.append("_")
            }
        }
        while result.hasPrefix("_") { result.removeFirst() }
        return String(result.prefix(64))
    }
}
