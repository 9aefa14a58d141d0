/// One line the daemon logs because of a decision, as a value: the decider says what, the
/// daemon's logger says it.
public struct RoundEvent: Hashable, Sendable, CustomStringConvertible {
    public enum Level: Hashable, Sendable {
        case debug, info, notice, warning, error
    }

    public var level: Level
    public var message: String
    /// What `journalctl PGLVSD_…=` searches by (real_server, real_server.name, weight, reason, …).
    public var metadata: [String: String]

    public init(_ level: Level, _ message: String, metadata: [String: String] = [:]) {
        self.level = level
        self.message = message
        self.metadata = metadata
    }

    public var description: String { message }
}
