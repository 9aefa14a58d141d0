import LVSModel
import PoolCore

/// `ipvs:` — settings of the director's IPVS as a whole, not of one service.
public struct IPVSConfiguration: Hashable, Sendable, Decodable {
    /// `ipvs.timeouts`: the connection timeouts pglvsd sets and keeps; empty: the kernel's stay.
    public var timeouts: TimeoutSettings
    /// `ipvs.sync_daemon`: the connection synchronisation daemons pglvsd starts and keeps (one
    /// per role); nil: pglvsd leaves the kernel's sync daemons alone.
    public var syncDaemons: [SyncDaemon]?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case timeouts
        case syncDaemon = "sync_daemon"
    }

    public init(timeouts: TimeoutSettings = TimeoutSettings(), syncDaemons: [SyncDaemon]? = nil) {
        self.timeouts = timeouts
        self.syncDaemons = syncDaemons
    }

    public init(from decoder: any Decoder) throws {
        let fields = try FieldReader(decoder, CodingKeys.self)
        timeouts = (fields.optional(.timeouts) as TimeoutsField?)?.settings ?? TimeoutSettings()
        syncDaemons = (fields.optional(.syncDaemon) as SyncDaemonField?)?.daemons
    }
}

/// `ipvs.sync_daemon: {role: master|backup|both, interface: eth1, syncid: 7}`, as
/// `ipvsadm --start-daemon` takes them (syncid 0–255; 0 on a backup takes every id's messages).
struct SyncDaemonField: Decodable {
    /// Nil after a problem was recorded.
    var daemons: [SyncDaemon]?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case role
        case interface
        case syncID = "syncid"
    }

    enum Role: String, CaseIterable {
        case master, backup, both
    }

    init(from decoder: any Decoder) throws {
        let fields = try FieldReader(decoder, CodingKeys.self)
        var role: Role?
        if let text: String = fields.required(.role) {
            role = Role(rawValue: text)
            if role == nil {
                fields.problem(.role, "unknown value \"\(text.showingHiddenCharacters())\" (expected one of: master, backup, both)")
            }
        }
        var interface: String?
        if let name: String = fields.required(.interface) {
            if let reason = SyncDaemonField.invalidInterfaceName(name) {
                fields.problem(.interface, reason)
            } else {
                interface = name
            }
        }
        var syncID: UInt8?
        if let number = fields.integer(.syncID, required: true) {
            syncID = UInt8(exactly: number)
            if syncID == nil { fields.problem(.syncID, "must be between 0 and 255, got \(number)") }
        }
        guard let role, let interface, let syncID else { return }
        let roles: [SyncDaemon.Role] = role == .both ? [.master, .backup] : role == .master ? [.master] : [.backup]
        daemons = roles.map { SyncDaemon(role: $0, interface: interface, syncID: syncID) }
    }

    /// Why the kernel would refuse this interface name (its dev_valid_name), or nil.
    static func invalidInterfaceName(_ name: String) -> String? {
        if name.isEmpty { return "must not be empty" }
        if name.utf8.count > SyncDaemon.maximumInterfaceLength {
            return "an interface name has at most \(SyncDaemon.maximumInterfaceLength) bytes, got \(name.utf8.count)"
        }
        if name == "." || name == ".." || name.unicodeScalars.contains(where: { $0 == "/" || $0 == ":" || $0.properties.isWhitespace || $0.isHiddenInText }) {
            return "\"\(name.showingHiddenCharacters())\" is no interface name (no /, :, spaces or control characters; not . or ..)"
        }
        return nil
    }
}

/// `ipvs.timeouts: {tcp: 15m, tcp_fin: 2m, udp: 5m}`: durations in whole seconds, as the
/// kernel keeps them.
struct TimeoutsField: Decodable {
    var settings: TimeoutSettings

    enum CodingKeys: String, CodingKey, CaseIterable {
        case tcp
        case tcpFin = "tcp_fin"
        case udp
    }

    /// 0 would mean "leave as is" to the kernel: leave the key out for that. The upper bound is
    /// the duration type's (under a day), far beyond any keepalive.
    static let minimumSeconds = 1

    init(from decoder: any Decoder) throws {
        let fields = try FieldReader(decoder, CodingKeys.self)
        func seconds(_ key: CodingKeys) -> UInt32? {
            guard let duration: ConfigDuration = fields.optional(key) else { return nil }
            guard duration.milliseconds % 1000 == 0, duration.milliseconds >= TimeoutsField.minimumSeconds * 1000 else {
                fields.problem(key, "must be whole seconds, at least \(TimeoutsField.minimumSeconds)s and under 24h, got \(duration)")
                return nil
            }
            return UInt32(duration.milliseconds / 1000)
        }
        settings = TimeoutSettings(tcp: seconds(.tcp), tcpFin: seconds(.tcpFin), udp: seconds(.udp))
    }
}
