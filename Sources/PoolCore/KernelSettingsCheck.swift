/// The IPVS sysctls whose values decide whether a removal or a drain does what pglvsd means,
/// as read from /proc/sys/net/ipv4/vs (by the daemon), and the kernel's release.
public struct KernelSettings: Hashable, Sendable {
    /// A sysctl's value, or why it could not be read.
    public enum Reading: Hashable, Sendable {
        case value(Int)
        case unreadable(String)
    }

    public var expireNodestConn: Reading
    public var expireQuiescentTemplate: Reading
    public var connReuseMode: Reading
    /// net.ipv4.vs.conntrack; nil when not read.
    public var conntrack: Reading?
    /// net.ipv4.vs.sync_refresh_period; nil when not read.
    public var syncRefreshPeriod: Reading?
    /// The second number of net.ipv4.vs.sync_threshold (its period in packets); nil when not read.
    public var syncPeriod: Reading?
    /// `uname -r`, e.g. `6.1.0-13-amd64`; nil when unknown.
    public var kernelRelease: String?

    public init(expireNodestConn: Reading, expireQuiescentTemplate: Reading, connReuseMode: Reading,
                conntrack: Reading? = nil, syncRefreshPeriod: Reading? = nil, syncPeriod: Reading? = nil,
                kernelRelease: String? = nil) {
        self.expireNodestConn = expireNodestConn
        self.expireQuiescentTemplate = expireQuiescentTemplate
        self.connReuseMode = connReuseMode
        self.conntrack = conntrack
        self.syncRefreshPeriod = syncRefreshPeriod
        self.syncPeriod = syncPeriod
        self.kernelRelease = kernelRelease
    }
}

/// One setting, its value, and what it means for pglvsd's pools.
public struct KernelSettingFinding: Hashable, Sendable, CustomStringConvertible {
    /// `net.ipv4.vs.expire_nodest_conn`.
    public var setting: String
    /// The value as read, or why it could not be.
    public var value: String
    /// What goes wrong with this value; nil when it is right (or does not matter here).
    public var consequence: String?
    /// Why a value that is not the recommended one does not matter here.
    public var note: String?
    /// False when the setting could not be read (its consequence says why).
    public var isReadable: Bool

    public init(setting: String, value: String, consequence: String? = nil, note: String? = nil, isReadable: Bool = true) {
        self.setting = setting
        self.value = value
        self.consequence = consequence
        self.note = note
        self.isReadable = isReadable
    }

    public var isOK: Bool { consequence == nil }

    /// `net.ipv4.vs.expire_nodest_conn = 0: sessions of …`, as logged and as check-config prints it.
    public var description: String {
        "\(setting) = \(value): " + (consequence ?? (note.map { "OK (\($0))" } ?? "OK"))
    }
}

/// Which of the kernel's IPVS settings matter for this configuration, and what a wrong one does.
public enum KernelSettingsCheck {
    /// - Parameters:
    ///   - persistentService: whether any configured service uses persistence (its templates are
    ///     what expire_quiescent_template expires).
    ///   - syncMaster: whether pglvsd runs a master sync daemon here (ipvs.sync_daemon).
    public static func findings(_ settings: KernelSettings, persistentService: Bool,
                                syncMaster: Bool = false) -> [KernelSettingFinding] {
        var findings = [judge("net.ipv4.vs.expire_nodest_conn", settings.expireNodestConn, expireNodestConn),
         judge("net.ipv4.vs.expire_quiescent_template", settings.expireQuiescentTemplate) {
             expireQuiescentTemplate($0, persistent: persistentService)
         },
         judge("net.ipv4.vs.conn_reuse_mode", settings.connReuseMode) {
             connReuseMode($0, release: settings.kernelRelease, conntrack: settings.conntrack)
         }]
        if syncMaster {
            findings.append(judge("net.ipv4.vs.sync_refresh_period", settings.syncRefreshPeriod ?? .unreadable("not read")) {
                syncRefreshPeriod($0, syncPeriod: settings.syncPeriod)
            })
        }
        return findings
    }

    /// A master sends a connection again only every sync_threshold period of packets (50 by
    /// default), unless that period is 0 and sync_refresh_period is set: then whenever its timer
    /// moved by that many seconds. A session kept open by keepalives alone is otherwise refreshed
    /// on the backup too rarely, its entry there expires, and a failover resets it.
    static func syncRefreshPeriod(_ value: Int, syncPeriod: KernelSettings.Reading?) -> Verdict {
        if value != 0, syncPeriod == .value(0) { return (nil, nil) }
        let period: String
        if case .value(let packets) = syncPeriod { period = "every \(packets)th packet" } else { period = "every sync_threshold period of packets" }
        return ("an idle session kept open by keepalives reaches the backup director again only \(period), so its entry there expires and a failover resets it; set net.ipv4.vs.sync_threshold to \"3 0\" and sync_refresh_period below the IPVS tcp timeout, e.g. 120", nil)
    }

    /// What a value means: its consequence (nil when right), or why a value other than the
    /// recommended one does not matter here.
    typealias Verdict = (consequence: String?, note: String?)

    private static func judge(_ setting: String, _ reading: KernelSettings.Reading,
                              _ rule: (Int) -> Verdict) -> KernelSettingFinding {
        switch reading {
        case .unreadable(let why):
            return KernelSettingFinding(setting: setting, value: "unreadable",
                                        consequence: "cannot be read (\(why)); is the ip_vs module loaded?", isReadable: false)
        case .value(let value):
            let verdict = rule(value)
            return KernelSettingFinding(setting: setting, value: "\(value)", consequence: verdict.consequence, note: verdict.note)
        }
    }

    /// Every server pglvsd removes (at once, or after its drain) goes through this.
    static func expireNodestConn(_ value: Int) -> Verdict {
        guard value == 0 else { return (nil, nil) }
        return ("sessions of a removed real server hang until their IPVS entry expires; set it to 1", nil)
    }

    static func expireQuiescentTemplate(_ value: Int, persistent: Bool) -> Verdict {
        guard value == 0 else { return (nil, nil) }
        guard persistent else { return (nil, "no persistent service; 1 is recommended") }
        return ("clients keep being sent to a drained (weight 0) server while their persistence template lives; set it to 1", nil)
    }

    /// conn_reuse_mode: 0 sends a new connection from a reused client port to the server the old
    /// one had, weight 0 or not; a nonzero mode reschedules it, which before Linux 5.9 drops the
    /// SYN (a 1 s retransmission for the client) only where IPVS keeps conntrack entries
    /// (net.ipv4.vs.conntrack=1, off by default).
    static func connReuseMode(_ value: Int, release: String?, conntrack: KernelSettings.Reading? = nil) -> Verdict {
        if value == 0 {
            // Mode 0 hands a SYN on a reused client port to the old entry's server whatever its
            // weight, for as long as that entry lives (TIME_WAIT: tcp_fin, 120 s by default).
            return ("a weight-0 (draining) server still takes new connections from clients that reuse a source port while the old connection's IPVS entry lives, so a drain can take longer than its sessions; set it to 1", nil)
        }
        if conntrack == .value(1), let version = release.flatMap(kernelVersion), (version.major, version.minor) < (5, 9) {
            return ("on Linux \(version.major).\(version.minor) (before 5.9) with net.ipv4.vs.conntrack=1, a SYN on a reused client port is dropped and the client waits 1 s to retry", nil)
        }
        return (nil, nil)
    }

    /// `6.1.0-13-amd64` → (6, 1); nil for anything else.
    static func kernelVersion(_ release: String) -> (major: Int, minor: Int)? {
        let parts = release.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, let major = Int(parts[0]) else { return nil }
        let minorDigits = parts[1].prefix { $0.isASCII && $0.isNumber }
        guard !minorDigits.isEmpty, let minor = Int(minorDigits) else { return nil }
        return (major, minor)
    }
}
