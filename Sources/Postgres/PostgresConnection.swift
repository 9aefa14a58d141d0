#if canImport(Glibc)
import Glibc
#endif
import CLibPQ

/// One libpq connection. Not thread-safe: use it from one serial queue.
public final class PostgresConnection {
    private let connection: OpaquePointer

    /// Opens a connection.
    /// - Parameters:
    ///   - conninfo: a libpq connection string or URI; its own settings win over the defaults here.
    ///   - applicationName: what the server shows in pg_stat_activity.
    ///   - connectTimeoutSeconds: libpq's connect_timeout unless the conninfo sets one.
    ///   - overrides: settings that win over the conninfo (a replica probe's host and port).
    public init(conninfo: String, applicationName: String = "pglvsd", connectTimeoutSeconds: Int = 2,
                overrides: [(key: String, value: String)] = []) throws(PostgresError) {
        try Conninfo.validate(conninfo)
        // Defaults first, then the conninfo expanded from "dbname", so that the user's settings
        // win; overrides last. Keepalives and tcp_user_timeout bound how long a silently
        // partitioned server can look alive (about 2 s).
        let keys = ["connect_timeout", "application_name", "keepalives", "keepalives_idle",
                    "keepalives_interval", "keepalives_count", "tcp_user_timeout", "dbname"] + overrides.map(\.key)
        let values = ["\(connectTimeoutSeconds)", applicationName, "1", "1", "1", "1", "2000", conninfo] + overrides.map(\.value)
        let conn = withCStringArray(keys) { keyPointers in
            withCStringArray(values) { valuePointers in
                PQconnectdbParams(keyPointers, valuePointers, 1)
            }
        }
        guard let conn else {
            throw PostgresError(code: .connectionFailed, message: "out of memory allocating a connection")
        }
        guard PQstatus(conn) == CONNECTION_OK else {
            let message = PostgresConnection.errorText(conn)
            PQfinish(conn)
            throw PostgresError(code: .connectionFailed, message: message)
        }
        self.connection = conn
    }

    deinit {
        PQfinish(connection)
    }

    /// True while libpq believes the connection is usable.
    public var isHealthy: Bool { PQstatus(connection) == CONNECTION_OK }

    /// The connection's socket, to watch for readability while idle: a server that dies closes
    /// it, and that is known at once instead of at the next query.
    public var socketDescriptor: Int32 { PQsocket(connection) }

    /// Reads whatever arrived on an idle connection. Returns false once the connection is
    /// broken (the server closed it or reset it).
    public func consumeInput() -> Bool {
        PQconsumeInput(connection) == 1 && PQstatus(connection) == CONNECTION_OK
    }

    /// server_version_num of the server, e.g. 150018.
    public var serverVersion: Int { Int(PQserverVersion(connection)) }

    /// The server's address as libpq connected to it (`host` or `hostaddr`).
    public var serverHost: String {
        PQhost(connection).map { String(cString: $0) } ?? ""
    }

    /// Runs one statement and returns its rows as text (NULL as nil).
    public func query(_ sql: String) throws(PostgresError) -> QueryResult {
        guard let result = PQexec(connection, sql) else {
            throw PostgresError(code: .connectionLost, message: PostgresConnection.errorText(connection))
        }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK else {
            let message = PQresultErrorMessage(result).map { String(cString: $0).trimmingTrailingNewlines() } ?? ""
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            let lost = PQstatus(connection) != CONNECTION_OK
            throw PostgresError(code: lost ? .connectionLost : .queryFailed,
                                message: message.isEmpty ? PostgresConnection.errorText(connection) : message,
                                sqlState: state)
        }
        let columnCount = Int(PQnfields(result))
        let columns = (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
        var rows: [[String?]] = []
        let rowCount = Int(PQntuples(result))
        rows.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            rows.append((0..<columnCount).map { column in
                if PQgetisnull(result, Int32(row), Int32(column)) != 0 { return nil }
                return String(cString: PQgetvalue(result, Int32(row), Int32(column)))
            })
        }
        return QueryResult(columns: columns, rows: rows)
    }

    private static func errorText(_ conn: OpaquePointer) -> String {
        PQerrorMessage(conn).map { String(cString: $0).trimmingTrailingNewlines() } ?? "unknown libpq error"
    }
}

/// Rows of a result, every value as PostgreSQL's text form.
public struct QueryResult: Hashable, Sendable {
    public var columns: [String]
    public var rows: [[String?]]

    /// Values of one row by column name.
    public func row(_ index: Int) -> [String: String?] {
        Dictionary(uniqueKeysWithValues: zip(columns, rows[index]))
    }
}

private func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { pointers.forEach { free($0) } }
    return pointers.withUnsafeBufferPointer { buffer in
        buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buffer.count) { body($0) }
    }
}
