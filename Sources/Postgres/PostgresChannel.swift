import CLibPQ
import Dispatch

/// One libpq connection that never blocks its queue: connecting goes through
/// PQconnectStartParams/PQconnectPoll and queries through PQsendQuery, each step taken when
/// Dispatch reports the socket ready, and every request is bounded by its own deadline. While
/// idle, the socket is watched: a server that goes away (its postmaster killed, a shutdown)
/// closes it, and `onIdleInput` says so at once instead of at the next request.
///
/// Confined to `queue`, asserted by dispatchPrecondition. Host names in the conninfo are
/// resolved by libpq with a blocking getaddrinfo; give addresses (or hostaddr) where that matters.
public final class PostgresChannel: @unchecked Sendable {
    public typealias Completion = @Sendable (Result<QueryResult, PostgresError>) -> Void

    private let settings: ConnectionSettings
    private let queue: DispatchQueue
    private var connection: OpaquePointer?
    private var connected = false
    private var request: Request?
    /// At most one socket source lives at a time. Its event handler only cancels it; the next
    /// step runs in the cancel handler, once Dispatch no longer watches the descriptor, because
    /// libpq may close or replace the socket in that step.
    private var source: (any DispatchSourceProtocol)?
    private var closed = false

    /// Called on `queue` when something arrives on the idle connection (the server going away).
    public var onIdleInput: (@Sendable () -> Void)?
    /// The FATAL the server sent on the idle connection before closing it ("terminating
    /// connection due to unexpected postmaster exit"), until the next connection.
    public var idleFarewell: String? { farewell.text }
    private let farewell = Farewell()
    /// Whether the idle socket is watched at all.
    public var watchesIdleSocket = true

    private struct Request {
        var sql: @Sendable (_ serverVersion: Int) -> String
        var completion: Completion
        var timer: any DispatchSourceTimer
        var timedOut = false
        var rows: QueryResult?
        var error: PostgresError?
        /// Sent on a connection an earlier request opened; if it dies under this one, one fresh
        /// connection tells a server gone (refused) from a backend that alone was terminated.
        var onReusedConnection = false
    }

    private enum Readiness { case read, write }

    public init(_ settings: ConnectionSettings, queue: DispatchQueue) {
        self.settings = settings
        self.queue = queue
    }

    deinit {
        if let connection { PQfinish(connection) }
    }

    /// True while a connection is established and no request is running on it.
    public var isConnected: Bool {
        connected && farewell.text == nil && connection.map { PQstatus($0) == CONNECTION_OK } ?? false
    }

    /// True once a request has completed on the current connection: until then a slow answer
    /// may be the new backend warming up (its first query loads the catalog caches).
    public private(set) var isEstablished = false

    /// True while a request runs.
    public var isBusy: Bool { request != nil }

    /// server_version_num of the connected server (0 before the first connection).
    public private(set) var serverVersion = 0

    /// Runs one statement, connecting first if needed; `completion` runs later on `queue`, within
    /// `timeout` in every case. A timed-out request drops the connection: its state is unknown.
    /// A statement whose reused connection dies under it is sent once more on a fresh connection
    /// (within the same deadline): give only statements that may run twice (pglvsd's are reads).
    /// - Parameter sql: the statement for the server's version (known once connected).
    public func run(timeout: DispatchTimeInterval, sql: @escaping @Sendable (_ serverVersion: Int) -> String,
                    completion: @escaping Completion) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard request == nil, !closed else {
            let error = PostgresError(code: .connectionLost, message: closed ? "channel closed" : "a request is already running")
            queue.async { completion(.failure(error)) }
            return
        }
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + timeout)
        timer.setEventHandler { [weak self] in self?.timeOut() }
        request = Request(sql: sql, completion: completion, timer: timer)
        timer.resume()
        if let source {
            // The idle watch goes first; its cancel handler starts the request.
            source.cancel()
        } else {
            begin()
        }
    }

    /// Closes the connection; a running request fails.
    public func close() {
        dispatchPrecondition(condition: .onQueue(queue))
        closed = true
        if let source {
            source.cancel()
        } else {
            finish(.failure(PostgresError(code: .connectionLost, message: "channel closed")))
        }
    }

    // MARK: Steps

    private func begin() {
        if closed { return finish(.failure(PostgresError(code: .connectionLost, message: "channel closed"))) }
        if let connection, isConnected {
            // Whatever the server sent since the last request (a FATAL the idle watch has not
            // seen yet, or was not watching for) is read first: non-blocking, and parsed.
            _ = PQconsumeInput(connection)
            _ = PQisBusy(connection)
            if isConnected {
                request?.onReusedConnection = true
                return send()
            }
        }
        dropConnection()
        do {
            try Conninfo.validate(settings.conninfo)
        } catch {
            return finish(.failure(error))
        }
        guard let conn = settings.withKeywordArrays({ keys, values in PQconnectStartParams(keys, values, 1) }) else {
            return finish(.failure(PostgresError(code: .connectionFailed, message: "out of memory allocating a connection")))
        }
        connection = conn
        farewell.text = nil
        farewell.sqlState = nil
        // Between requests libpq hands a server's FATAL to the notice receiver; the channel
        // outlives the connection (dropConnection and deinit finish it first).
        PQsetNoticeReceiver(conn, farewellReceiver, Unmanaged.passUnretained(farewell).toOpaque())
        guard PQstatus(conn) != CONNECTION_BAD else { return fail(.connectionFailed) }
        // libpq's protocol: start as if PQconnectPoll had asked for writability.
        wait(.write) { $0.connectStep() }
    }

    private func connectStep() {
        guard let connection else { return fail(.connectionFailed) }
        switch PQconnectPoll(connection) {
        case PGRES_POLLING_READING: wait(.read) { $0.connectStep() }
        case PGRES_POLLING_WRITING: wait(.write) { $0.connectStep() }
        case PGRES_POLLING_OK:
            connected = true
            isEstablished = false
            serverVersion = Int(PQserverVersion(connection))
            guard PQsetnonblocking(connection, 1) == 0 else { return fail(.connectionFailed) }
            send()
        default:
            fail(.connectionFailed)
        }
    }

    private func send() {
        guard let connection, let request else { return }
        guard PQsendQuery(connection, request.sql(serverVersion)) == 1 else { return fail(.connectionLost) }
        flushStep()
    }

    private func flushStep() {
        guard let connection else { return fail(.connectionLost) }
        switch PQflush(connection) {
        case 0: wait(.read) { $0.receiveStep() }
        case 1: wait(.write) { $0.flushStep() }
        default: fail(.connectionLost)
        }
    }

    private func receiveStep() {
        guard let connection else { return fail(.connectionLost) }
        guard PQconsumeInput(connection) == 1 else { return fail(.connectionLost) }
        while PQisBusy(connection) == 0 {
            guard let result = PQgetResult(connection) else {
                // The statement is complete.
                let outcome: Result<QueryResult, PostgresError>
                if let error = request?.error {
                    outcome = .failure(error)
                } else {
                    outcome = .success(request?.rows ?? QueryResult(columns: [], rows: []))
                }
                return finish(outcome)
            }
            if let error = PostgresError(failedResult: result, of: connection) {
                if request?.error == nil { request?.error = error }
            } else if request?.rows == nil {
                request?.rows = QueryResult(result)
            }
            PQclear(result)
        }
        wait(.read) { $0.receiveStep() }
    }

    // MARK: Waiting, deadlines and the idle watch

    private func wait(_ readiness: Readiness, then step: @escaping (PostgresChannel) -> Void) {
        guard let connection, case let descriptor = PQsocket(connection), descriptor >= 0 else {
            return fail(.connectionFailed)
        }
        let source: any DispatchSourceProtocol = readiness == .read
            ? DispatchSource.makeReadSource(fileDescriptor: descriptor, queue: queue)
            : DispatchSource.makeWriteSource(fileDescriptor: descriptor, queue: queue)
        source.setEventHandler { [weak self] in self?.source?.cancel() }
        source.setCancelHandler { [self] in
            self.source = nil
            if self.closed {
                self.finish(.failure(PostgresError(code: .connectionLost, message: "channel closed")))
            } else if self.request?.timedOut == true {
                self.finish(.failure(PostgresError(code: .timedOut, message: self.connected
                    ? "no answer from the server in time" : "connection attempt timed out")))
            } else {
                step(self)
            }
        }
        self.source = source
        source.resume()
    }

    private func timeOut() {
        guard request != nil else { return }
        request?.timedOut = true
        if let source {
            source.cancel()
        } else {
            finish(.failure(PostgresError(code: .timedOut, message: "no answer from the server in time")))
        }
    }

    /// Between requests: anything the server sends now (a FATAL, then EOF) means it is going away.
    /// A FATAL ends the connection at once: the EOF behind it can come much later (the backend
    /// still has to exit), and the next request reconnects, which tells a postmaster that is gone
    /// (refused) from a backend that alone was terminated.
    private func watchIdle() {
        guard watchesIdleSocket, !closed, let connection, case let descriptor = PQsocket(connection), descriptor >= 0 else { return }
        let source = DispatchSource.makeReadSource(fileDescriptor: descriptor, queue: queue)
        source.setEventHandler { [weak self] in self?.source?.cancel() }
        source.setCancelHandler { [self] in
            self.source = nil
            if self.closed {
                self.dropConnection()
            } else if self.request != nil {
                // A request took the socket over: its own reads will tell what happened.
                self.begin()
            } else {
                // PQconsumeInput only reads; PQisBusy (always 0 when idle) parses, which hands a
                // FATAL to the notice receiver.
                let alive = PQconsumeInput(connection) == 1 && PQisBusy(connection) == 0
                    && PQstatus(connection) == CONNECTION_OK && self.farewell.text == nil
                let sessionOnly = self.farewell.endsTheSessionOnly
                if alive { self.watchIdle() } else { self.dropConnection() }
                // An idle-session timeout says nothing about the server: the next request
                // reconnects, with no hurry.
                if !sessionOnly { self.onIdleInput?() }
            }
        }
        self.source = source
        source.resume()
    }

    private func fail(_ code: PostgresError.Code) {
        let message = connection.map { PostgresConnection.errorText($0) } ?? "no connection"
        // What libpq gives as data, read before the connection goes: its status, and the
        // SQLSTATE of a FATAL the server sent first (in a result, or to the notice receiver).
        let broken = code == .connectionLost && connection.map { PQstatus($0) == CONNECTION_BAD } ?? false
        let state = request?.error?.sqlState ?? farewell.sqlState
        dropConnection()
        if code == .connectionLost, !closed, var current = request, current.onReusedConnection, !current.timedOut {
            // The connection died under the statement ("terminating connection due to
            // administrator command", then EOF): its backend may have been terminated alone.
            current.onReusedConnection = false
            current.rows = nil
            current.error = nil
            request = current
            return begin()
        }
        finish(.failure(PostgresError(code: code, message: message, sqlState: state, connectionBroken: broken)))
    }

    private func finish(_ outcome: Result<QueryResult, PostgresError>) {
        if closed || farewell.text != nil || (connection.map { PQstatus($0) != CONNECTION_OK } ?? false) { dropConnection() }
        if case .failure(let error) = outcome, error.code == .timedOut { dropConnection() }
        guard let request else { return }
        self.request = nil
        request.timer.cancel()
        if connected {
            if case .success = outcome { isEstablished = true }
            watchIdle()
        }
        let completion = request.completion
        queue.async { completion(outcome) }
    }

    private func dropConnection() {
        connected = false
        isEstablished = false
        if let connection { PQfinish(connection) }
        connection = nil
    }
}

/// Where the notice receiver leaves what the server said before closing the connection; touched
/// only on the channel's queue (libpq calls the receiver while parsing, in PQisBusy,
/// PQgetResult or PQconnectPoll there).
private final class Farewell: @unchecked Sendable {
    var text: String?
    var sqlState: String?

    /// An idle-session or idle-in-transaction timeout: this session ends, the server stays.
    var endsTheSessionOnly: Bool { sqlState == "57P05" || sqlState == "25P03" }
}

/// libpq's notice receiver: keeps a FATAL or PANIC (severity not localized), or a notice of class
/// 57 (an immediate shutdown or a crash restart warns the client before closing: WARNING 57P01 or
/// 57P02), with its SQLSTATE. Other notices are dropped (libraries do not print).
private let farewellReceiver: PQnoticeReceiver = { context, result in
    guard let context, let result else { return }
    let field = { (code: Character) in PQresultErrorField(result, Int32(code.asciiValue!)).map { String(cString: $0) } }
    let severity = field("V") ?? ""
    let state = field("C")
    guard severity == "FATAL" || severity == "PANIC" || state?.hasPrefix("57") == true else { return }
    let farewell = Unmanaged<Farewell>.fromOpaque(context).takeUnretainedValue()
    // The server's words go to the log: one line, no control characters, bounded.
    let message = String((field("M") ?? "").unicodeScalars.prefix(200).map { $0.properties.generalCategory == .control ? " " : Character($0) })
    farewell.text = "\(severity): \(message)\(state.map { " [\($0)]" } ?? "")"
    farewell.sqlState = state
}
