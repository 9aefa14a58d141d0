/// A conninfo setting that replaces pglvsd's password guard with a weaker one.
public enum PasswordGuardOverride {
    /// `channel_binding=prefer`, or a require_auth that lets `password` or `md5` through, as the
    /// conninfo says it; nil when the conninfo keeps the guard (or cannot be parsed: that fails
    /// elsewhere, with its own error).
    /// - Parameter libraryVersion: PQlibVersion(); which keyword is the guard depends on it.
    public static func find(in conninfo: String, libraryVersion: Int) -> String? {
        guard let options = try? Conninfo.parse(conninfo) else { return nil }
        if libraryVersion >= ConnectionSettings.requireAuthVersion {
            guard let methods = options.last(where: { $0.key == "require_auth" })?.value else { return nil }
            // Either a list of methods allowed, or (each with "!") a list of methods refused.
            let listed = Set(methods.split(separator: ",").map { $0.trimmingPrefix("!") }.map(String.init))
            let admitsClearOrMD5 = methods.hasPrefix("!")
                ? !(listed.contains("password") && listed.contains("md5"))
                : listed.contains("password") || listed.contains("md5")
            return admitsClearOrMD5 ? "require_auth=\(methods)" : nil
        }
        guard let binding = options.last(where: { $0.key == "channel_binding" })?.value, binding != "require" else { return nil }
        return "channel_binding=\(binding)"
    }
}
