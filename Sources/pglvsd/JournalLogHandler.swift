import Logging
import Systemd

/// Writes log entries to journald natively: MESSAGE, PRIORITY and each metadata key as a
/// PGLVSD_* field (`real_server` → PGLVSD_REAL_SERVER), so `journalctl PGLVSD_REAL_SERVER=…`
/// finds every change to one server. Used when standard error is the journal.
struct JournalLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    var logLevel: Logger.Level = .info
    let label: String

    init(label: String) {
        self.label = label
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?,
             source: String, file: String, function: String, line: UInt) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let explicit { merged.merge(explicit) { _, new in new } }
        var fields: [(name: String, value: String)] = [
            ("SYSLOG_IDENTIFIER", label), ("CODE_FILE", file), ("CODE_LINE", "\(line)"), ("CODE_FUNC", function),
        ]
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
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
