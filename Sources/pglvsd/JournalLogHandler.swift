import Logging
import Systemd

/// Writes log entries to journald natively: MESSAGE, PRIORITY and each metadata key as a
/// PGLVSD_* field (`real_server` → PGLVSD_REAL_SERVER), so `journalctl PGLVSD_REAL_SERVER=…`
/// finds every change to one server. Used when standard error is the journal.
struct JournalLogHandler: MetadataMerging {
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    var logLevel: Logger.Level = .info
    let label: String

    init(label: String) {
        self.label = label
    }

    func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?,
             source: String, file: String, function: String, line: UInt) {
        var fields: [(name: String, value: String)] = [
            ("SYSLOG_IDENTIFIER", label), ("CODE_FILE", file), ("CODE_LINE", "\(line)"), ("CODE_FUNC", function),
        ]
        for (key, value) in mergedMetadata(explicit) {
            fields.append(("PGLVSD_" + Journal.fieldName(key), "\(value)"))
        }
        Journal.send(message: message.description, priority: JournalLogHandler.priority(level), fields: fields)
    }

    static func priority(_ level: Logger.Level) -> Journal.Priority {
        switch level {
        case .trace, .debug: return .debug
        case .info: return .info
        case .notice: return .notice
        case .warning: return .warning
        case .error: return .error
        case .critical: return .critical
        }
    }
}
