import Systemd
#if canImport(Glibc)
import Glibc
#endif

/// Under systemd (ExecReload running `check-config`, or the daemon itself) standard error is the journal,
/// which reads a `<3>` prefix as the line's priority: the problems land at priority err.
private let journalPriorityPrefix = Journal.standardErrorIsJournal ? "<3>" : ""

/// Writes one error line to standard error (unbuffered, so it interleaves correctly with logs).
func printError(_ line: String) {
    // journald reads each line of the stream on its own: every line of a multi-line problem
    // (a YAML parser's excerpt) carries the priority.
    var text = line.split(separator: "\n", omittingEmptySubsequences: false)
        .map { journalPriorityPrefix + $0 }.joined(separator: "\n") + "\n"
    text.withUTF8 { bytes in
        var offset = 0
        while offset < bytes.count {
            let written = write(2, bytes.baseAddress! + offset, bytes.count - offset)
            if written <= 0 { return }
            offset += written
        }
    }
}
