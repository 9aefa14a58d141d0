import CLibPQ

/// The libpq this process runs with.
public enum LibPQ {
    /// PQlibVersion(): major × 10000 + minor (150018 for 15.18).
    public static var version: Int { Int(PQlibVersion()) }

    /// Whether probes can refuse a request for the password in clear text (require_auth).
    public static var canRefusePasswordInClear: Bool { version >= ConnectionSettings.requireAuthVersion }
}
