import CLibPQ
#if canImport(Glibc)
import Glibc
#endif

/// The libpq this process runs with.
public enum LibPQ {
    /// PQlibVersion(): major × 10000 + minor (150018 for 15.18).
    public static var version: Int { Int(PQlibVersion()) }

    /// Whether probes can refuse a request for the password in clear text and still log in by
    /// SCRAM without TLS (require_auth); before libpq 16 they refuse by asking for channel binding.
    public static var canRefusePasswordInClear: Bool { version >= ConnectionSettings.requireAuthVersion }

    /// Whether libpq could find a password without being given one: PGPASSWORD, PGPASSFILE,
    /// PGSERVICE (a service file may hold one), or the effective user's ~/.pgpass (libpq 15
    /// looks the home directory up in the password database, not in $HOME).
    static var findsPasswordOfItsOwn: Bool {
        for variable in ["PGPASSWORD", "PGPASSFILE", "PGSERVICE"] where getenv(variable) != nil {
            return true
        }
        if let home = homeDirectory(), access(home + "/.pgpass", F_OK) == 0 { return true }
        return false
    }

    private static func homeDirectory() -> String? {
        var entry = passwd()
        var found: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwuid_r(geteuid(), &entry, &buffer, buffer.count, &found) == 0, found != nil,
              let directory = entry.pw_dir else { return nil }
        return String(cString: directory)
    }
}
