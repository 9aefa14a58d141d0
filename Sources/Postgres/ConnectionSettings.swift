#if canImport(Glibc)
import Glibc
#endif

/// What a connection is opened with: the user's conninfo plus pglvsd's defaults and overrides.
public struct ConnectionSettings: Sendable {
    public var conninfo: String
    /// What the server shows in pg_stat_activity.
    public var applicationName: String
    /// A password from a file named in the configuration; the conninfo's own password wins.
    public var password: String?
    /// Settings that win over the conninfo (a replica probe's host and port).
    public var overrides: [Override]
    /// libpq's connect_timeout for blocking connects (the asynchronous path has its own deadline).
    public var connectTimeoutSeconds: Int
    /// Refuse a server that asks for the password in clear text or as an MD5 hash (a server a
    /// peer named, or whoever took an address, must not get it): libpq 16's require_auth, or on
    /// libpq 13 to 15 (Debian 12 has 15), which have none, channel_binding=require wherever a
    /// password may be sent (SCRAM over TLS only; libpq refuses every other request before
    /// answering it). The conninfo's own require_auth (libpq 16) or channel_binding (libpq 13
    /// to 15) replaces this default; one in a service file or the environment does not.
    public var refusesPasswordInClear: Bool

    public struct Override: Sendable {
        public var key: String
        public var value: String
        public init(_ key: String, _ value: String) {
            self.key = key
            self.value = value
        }
    }

    public init(conninfo: String, applicationName: String = "pglvsd", password: String? = nil,
                overrides: [Override] = [], connectTimeoutSeconds: Int = 2, refusesPasswordInClear: Bool = false) {
        self.conninfo = conninfo
        self.applicationName = applicationName
        self.password = password
        self.overrides = overrides
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.refusesPasswordInClear = refusesPasswordInClear
    }

    /// The first libpq release with require_auth.
    static let requireAuthVersion = 160000
    /// The first libpq release with channel_binding; older ones refuse the keyword.
    static let channelBindingVersion = 130000

    /// How a connection refuses a request for the password in clear text or as MD5 with this
    /// libpq, if it has a password to lose.
    public enum PasswordGuard: Equatable, Sendable {
        /// require_auth=!password,!md5 (libpq 16 and later): trust, SCRAM, certificates pass.
        case requireAuth
        /// channel_binding=require (libpq 13 to 15): only SCRAM bound to the TLS session passes,
        /// so a server without TLS, or one that logs the role in without a password, is refused.
        case channelBinding
        /// Nothing to lose: no password where libpq could find one, so nothing to refuse.
        case noPassword
        /// A libpq older than 13 has neither keyword: nothing can refuse (said at start).
        case unavailable
    }

    /// The guard a connection gets, or nil when the caller asked for none.
    /// - Parameters:
    ///   - libraryVersion: the linked libpq's PQlibVersion().
    ///   - libpqFindsPassword: whether libpq could find a password of its own (PGPASSWORD,
    ///     PGPASSFILE, ~/.pgpass, a service file).
    func passwordGuard(libraryVersion: Int, libpqFindsPassword: @autoclosure () -> Bool) -> PasswordGuard? {
        guard refusesPasswordInClear else { return nil }
        if libraryVersion >= ConnectionSettings.requireAuthVersion { return .requireAuth }
        guard holdsPassword || libpqFindsPassword() else { return .noPassword }
        return libraryVersion >= ConnectionSettings.channelBindingVersion ? .channelBinding : .unavailable
    }

    /// A password from a file, or one the conninfo carries or points to (password, passfile, service).
    var holdsPassword: Bool {
        if password != nil { return true }
        // A conninfo libpq cannot parse fails to connect anyway; guard it as if it held one.
        guard let options = try? Conninfo.parse(conninfo) else { return true }
        return options.contains { ["password", "passfile", "service"].contains($0.key) }
    }

    /// Keywords and values for PQconnect*Params with expand_dbname=1: defaults first, then the
    /// conninfo expanded from "dbname" so the user's settings win, overrides last. Keepalives and
    /// tcp_user_timeout bound how long a silently partitioned server can look alive.
    /// - Parameter libraryVersion: the linked libpq's PQlibVersion().
    func keywords(libraryVersion: Int = LibPQ.version,
                  libpqFindsPassword: @autoclosure () -> Bool = LibPQ.findsPasswordOfItsOwn)
        -> (keys: [String], values: [String]) {
        var keys = ["connect_timeout", "application_name", "keepalives", "keepalives_idle",
                    "keepalives_interval", "keepalives_count", "tcp_user_timeout"]
        var values = ["\(connectTimeoutSeconds)", applicationName, "1", "1", "1", "1", "2000"]
        // Defaults: a conninfo that names its own require_auth or channel_binding wins.
        switch passwordGuard(libraryVersion: libraryVersion, libpqFindsPassword: libpqFindsPassword()) {
        case .requireAuth:
            keys.append("require_auth")
            values.append("!password,!md5")
        case .channelBinding:
            keys.append("channel_binding")
            values.append("require")
        case .noPassword, .unavailable, nil:
            break
        }
        if let password {
            keys.append("password")
            values.append(password)
        }
        keys.append("dbname")
        values.append(conninfo)
        keys += overrides.map(\.key)
        values += overrides.map(\.value)
        return (keys, values)
    }

    /// Calls body with NULL-terminated C arrays of the keywords and values.
    func withKeywordArrays<R>(_ body: (UnsafePointer<UnsafePointer<CChar>?>, UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
        let (keys, values) = keywords()
        return withCStringArray(keys) { keyPointers in
            withCStringArray(values) { valuePointers in body(keyPointers, valuePointers) }
        }
    }
}

private func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer {
        // The password must not linger in freed heap memory.
        for pointer in pointers {
            if let pointer { memset(pointer, 0, strlen(pointer)) }
            free(pointer)
        }
    }
    return pointers.withUnsafeBufferPointer { buffer in
        buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buffer.count) { body($0) }
    }
}
