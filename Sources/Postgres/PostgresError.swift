/// A failure talking to PostgreSQL. Its text comes from the server or libpq, which never echo
/// a password; the conninfo itself is never part of it.
public struct PostgresError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: Hashable, Sendable {
        /// The connection could not be opened (refused, timed out, authentication failed).
        case connectionFailed
        /// The conninfo string does not parse.
        case invalidConninfo
        /// The connection was lost or is not usable.
        case connectionLost
        /// The server rejected the query.
        case queryFailed
        /// A row did not have the shape the query promised.
        case unexpectedResult
        /// The connect or the query did not finish within its deadline.
        case timedOut
    }

    public var code: Code
    public var message: String
    /// The five-character SQLSTATE, when the server sent one.
    public var sqlState: String?

    public init(code: Code, message: String, sqlState: String? = nil) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
    }

    /// True when the server is gone rather than slow: connection refused, or reset/closed under
    /// us (a postmaster killed, a server shut down), in the clear or over TLS (libpq words a close
    /// under TLS its own way). A timeout is not "gone".
    public var isServerGone: Bool {
        guard code == .connectionFailed || code == .connectionLost else { return false }
        let markers = ["Connection refused", "server closed the connection unexpectedly", "Connection reset by peer",
                       "terminating connection due to administrator command", "the database system is shutting down",
                       "the database system is starting up", "no connection to the server", "EOF detected",
                       "SSL connection has been closed unexpectedly", "unexpected eof while reading"]
        return markers.contains { message.contains($0) } || sqlState == "57P01" || sqlState == "57P03"
    }

    /// What an operator can do about a login refused by pglvsd's own password guard (libpq 15's
    /// channel_binding=require, or libpq 16's require_auth); nil for any other failure.
    public var guardRemedy: String? {
        if message.contains("channel binding") {
            return "pglvsd asks for channel binding (libpq 15 has no require_auth): give this server TLS and a SCRAM password, or put channel_binding=disable in the conninfo to accept the risk"
        }
        if message.contains("authentication method requirement") {
            return "pglvsd refuses to send the password in clear text or as MD5: give the role a SCRAM password, or put require_auth=md5,scram-sha-256 in the conninfo to accept the risk"
        }
        return nil
    }

    /// The first line of the message (libpq adds hint lines such as "This probably means the
    /// server terminated abnormally"), for one-line reasons in logs and status.
    public var summary: String {
        String(message.split(separator: "\n", maxSplits: 1).first ?? "")
    }

    public var description: String {
        let state = sqlState.map { " [\($0)]" } ?? ""
        return "\(message)\(state)"
    }
}
