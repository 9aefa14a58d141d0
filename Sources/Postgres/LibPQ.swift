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

    /// Whether connections can ask for channel binding instead (libpq 13 and later).
    public static var canAskForChannelBinding: Bool { version >= ConnectionSettings.channelBindingVersion }

    /// Whether libpq could find a password without being given one: PGPASSWORD, PGPASSFILE,
    /// PGSERVICE (a service file may hold one), or ~/.pgpass where libpq looks for it: in $HOME
    /// when set and not empty, else in the effective user's home from the password database.
    /// When in doubt (the home cannot be told), yes: the guard costs a refused login, its
    /// absence a password.
    static var findsPasswordOfItsOwn: Bool {
        for variable in ["PGPASSWORD", "PGPASSFILE", "PGSERVICE"] where getenv(variable) != nil {
            return true
        }
        guard let home = homeDirectory() else { return true }
        return access(home + "/.pgpass", F_OK) == 0
    }

    private static func homeDirectory() -> String? {
        if let home = getenv("HOME"), home.pointee != 0 { return String(cString: home) }
        var entry = passwd()
        var found: UnsafeMutablePointer<passwd>?
        var size = 16_384
        while size <= 1 << 20 {
            var buffer = [CChar](repeating: 0, count: size)
            let status = getpwuid_r(geteuid(), &entry, &buffer, buffer.count, &found)
            if status == ERANGE { size *= 4; continue }
            guard status == 0, found != nil, let directory = entry.pw_dir else { return nil }
            return String(cString: directory)
        }
        return nil
    }
}
