import Foundation
import Logging

/// A logger whose lines a test reads back: level and message, in order.
final class LogRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [(level: Logger.Level, message: String)] = []

    var lines: [(level: Logger.Level, message: String)] { lock.withLock { recorded } }

    /// The messages logged at `level`.
    func messages(at level: Logger.Level) -> [String] { lines.filter { $0.level == level }.map(\.message) }

    func clear() { lock.withLock { recorded = [] } }

    var logger: Logger {
        var logger = Logger(label: "test") { _ in Handler(recorder: self) }
        logger.logLevel = .trace
        return logger
    }

    private func append(_ level: Logger.Level, _ message: String) { lock.withLock { recorded.append((level, message)) } }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) { recorder.append(event.level, "\(event.message)") }
    }
}
