#if canImport(Glibc)
import Glibc
#endif
import Logging

/// One line per entry on standard error, with a millisecond UTC timestamp (the journal keeps
/// its own; this is for a terminal or a log file, where fault-to-reaction times are read off
/// the timestamps): `2026-11-25T16:22:10.123Z info pglvsd: message key=value`.
struct ConsoleLogHandler: MetadataMerging {
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    var logLevel: Logger.Level = .info
    let label: String

    init(label: String) {
        self.label = label
    }

    func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?,
             source: String, file: String, function: String, line: UInt) {
        let fields = mergedMetadata(explicit).map { " \($0.key)=\($0.value)" }.joined()
        let text = "\(ConsoleLogHandler.timestamp()) \(level) \(label): \(message)\(fields)\n"
        // One write per line, so lines from concurrent threads never interleave.
        text.withCString { _ = write(STDERR_FILENO, $0, strlen($0)) }
    }

    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let milliseconds = Int(now.tv_nsec / 1_000_000)
        let fraction = String(milliseconds + 1000).dropFirst()
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(fraction)Z"
    }
}
