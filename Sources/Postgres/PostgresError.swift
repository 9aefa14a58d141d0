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
    /// libpq found the connection broken (PQstatus CONNECTION_BAD after a read, a flush or a
    /// result): the socket closed or failed under an established connection.
    public var connectionBroken: Bool

    public init(code: Code, message: String, sqlState: String? = nil, connectionBroken: Bool = false) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.connectionBroken = connectionBroken
    }

    /// True when the server is gone rather than slow: refused, shut down, crashed, or the
    /// connection closed or reset under us (a postmaster killed), in the clear or over TLS. A
    /// timeout is not "gone", nor a query the server rejected. Classified by what libpq gives
    /// as data first — the SQLSTATE, then the connection's status — and by message text only
    /// at connect time, where libpq gives neither (see `goneAtConnect`).
    public var isServerGone: Bool {
        guard code == .connectionFailed || code == .connectionLost else { return false }
        if let sqlState, let gone = PostgresError.serverGone(sqlState: sqlState) { return gone }
        return code == .connectionLost ? connectionBroken : goneAtConnect
    }

    /// What a SQLSTATE the server sent says about it: 57P01 admin_shutdown, 57P02
    /// crash_shutdown, 57P03 cannot_connect_now (starting up or shutting down), 08006
    /// connection_failure and 08003 connection_does_not_exist are a server gone. Any other code
    /// is a live server saying something specific (08P01 a protocol violation, 40001 a recovery
    /// conflict, 57P04 a dropped database): not gone, whatever the connection's state after it.
    static func serverGone(sqlState: String) -> Bool? {
        ["57P01", "57P02", "57P03", "08006", "08003"].contains(sqlState)
    }

    /// A failed connect, where libpq gives no SQLSTATE (a startup FATAL such as "the database
    /// system is starting up" has no PGresult, and libpq keeps its code private) and no status
    /// but CONNECTION_BAD, whatever went wrong: only its text tells a refused connection (an
    /// errno, worded by strerror in the C locale the daemon runs in) or a server closing under
    /// the startup packet from a timeout or a failed login.
    private var goneAtConnect: Bool {
        let markers = ["Connection refused", "Connection reset by peer", "server closed the connection unexpectedly",
                       "the database system is shutting down", "the database system is starting up",
                       "the database system is in recovery mode", "is not yet accepting connections",
                       "is not accepting connections",
                       "terminating connection due to administrator command", "no connection to the server",
                       "EOF detected", "SSL connection has been closed unexpectedly", "unexpected eof while reading"]
        return markers.contains { message.contains($0) }
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
