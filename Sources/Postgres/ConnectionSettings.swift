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
    /// peer named, or whoever took an address, must not get it). Needs libpq 16's require_auth;
    /// libpq 15 (Debian 12) cannot refuse, and the keyword is left out there. A require_auth in
    /// the conninfo replaces this default (one in a service file or PGREQUIREAUTH does not).
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

    /// Keywords and values for PQconnect*Params with expand_dbname=1: defaults first, then the
    /// conninfo expanded from "dbname" so the user's settings win, overrides last. Keepalives and
    /// tcp_user_timeout bound how long a silently partitioned server can look alive.
    /// - Parameter libraryVersion: the linked libpq's PQlibVersion().
    func keywords(libraryVersion: Int = LibPQ.version) -> (keys: [String], values: [String]) {
        var keys = ["connect_timeout", "application_name", "keepalives", "keepalives_idle",
                    "keepalives_interval", "keepalives_count", "tcp_user_timeout"]
        var values = ["\(connectTimeoutSeconds)", applicationName, "1", "1", "1", "1", "2000"]
        if refusesPasswordInClear && libraryVersion >= ConnectionSettings.requireAuthVersion {
            // A default: a conninfo that names its own require_auth wins.
            keys.append("require_auth")
            values.append("!password,!md5")
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
