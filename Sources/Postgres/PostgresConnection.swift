#if canImport(Glibc)
import Glibc
#endif
import CLibPQ

/// One libpq connection. Not thread-safe: use it from one serial queue.
public final class PostgresConnection {
    private let connection: OpaquePointer

    /// Opens a connection, blocking until it is up or failed (libpq's connect_timeout applies).
    public init(_ settings: ConnectionSettings) throws(PostgresError) {
        try Conninfo.validate(settings.conninfo)
        let conn = settings.withKeywordArrays { keys, values in PQconnectdbParams(keys, values, 1) }
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

    /// Opens a connection with pglvsd's defaults; `overrides` win over the conninfo.
    public convenience init(conninfo: String, applicationName: String = "pglvsd", connectTimeoutSeconds: Int = 2,
                            overrides: [(key: String, value: String)] = []) throws(PostgresError) {
        try self.init(ConnectionSettings(conninfo: conninfo, applicationName: applicationName,
                                         overrides: overrides.map { .init($0.key, $0.value) },
                                         connectTimeoutSeconds: connectTimeoutSeconds))
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
            throw PostgresError(code: .connectionLost, message: PostgresConnection.errorText(connection),
                                connectionBroken: PQstatus(connection) == CONNECTION_BAD)
        }
        defer { PQclear(result) }
        if let error = PostgresError(failedResult: result, of: connection) { throw error }
        return QueryResult(result)
    }

    static func errorText(_ conn: OpaquePointer) -> String {
        PQerrorMessage(conn).map { String(cString: $0).trimmingTrailingNewlines() } ?? "unknown libpq error"
    }
}

extension PostgresError {
    /// The error a result carries, or nil when it holds rows or a command's success.
    init?(failedResult result: OpaquePointer, of connection: OpaquePointer) {
        let status = PQresultStatus(result)
        if status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK { return nil }
        let message = PQresultErrorMessage(result).map { String(cString: $0).trimmingTrailingNewlines() } ?? ""
        let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
        let lost = PQstatus(connection) != CONNECTION_OK
        self.init(code: lost ? .connectionLost : .queryFailed,
                  message: message.isEmpty ? PostgresConnection.errorText(connection) : message, sqlState: state,
                  connectionBroken: PQstatus(connection) == CONNECTION_BAD)
    }
}

/// Rows of a result, every value as PostgreSQL's text form.
public struct QueryResult: Hashable, Sendable {
    public var columns: [String]
    public var rows: [[String?]]

    public init(columns: [String], rows: [[String?]]) {
        self.columns = columns
        self.rows = rows
    }

    /// Copies a libpq result's rows (NULL as nil).
    init(_ result: OpaquePointer) {
        let columnCount = Int(PQnfields(result))
        columns = (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
        let rowCount = Int(PQntuples(result))
        rows = []
        rows.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            rows.append((0..<columnCount).map { column in
                if PQgetisnull(result, Int32(row), Int32(column)) != 0 { return nil }
                return String(cString: PQgetvalue(result, Int32(row), Int32(column)))
            })
        }
    }

    /// Values of one row by column name. A server may answer with two columns of one name
    /// (whoever answers at a probed address controls the reply): the first of them wins, as
    /// libpq's PQfnumber picks it, and a short row reads as NULLs rather than trapping.
    public func row(_ index: Int) -> [String: String?] {
        var values: [String: String?] = [:]
        let row = rows[index]
        for (position, column) in columns.enumerated() where values[column] == nil {
            values[column] = position < row.count ? row[position] : String?.none
        }
        return values
    }
}

