/// One IPVS connection synchronisation daemon (`ipvsadm --start-daemon`): a master sends the
/// director's connection entries by multicast out of an interface, a backup takes them in, so a
/// standby director carries established sessions on after it takes the virtual address over.
public struct SyncDaemon: Hashable, Sendable, CustomStringConvertible {
    public enum Role: String, Hashable, Sendable, CaseIterable, Comparable {
        case master, backup

        /// ipvsadm lists the master first.
        public static func < (lhs: Role, rhs: Role) -> Bool { lhs == .master && rhs == .backup }
    }

    public var role: Role
    /// The interface the multicast leaves by (master) or arrives on (backup).
    public var interface: String
    /// Tells apart director pairs that share one network: a backup takes only its own id's messages.
    public var syncID: UInt8
    /// What the kernel reports beyond what pglvsd sets (kernels since 4.3): the largest sync
    /// message, the multicast group, port and TTL. nil in a request: the kernel's defaults.
    public var details: Details?

    public struct Details: Hashable, Sendable {
        public var maximumLength: UInt16
        public var group: IPAddress?
        public var port: UInt16
        public var ttl: UInt8

        public init(maximumLength: UInt16, group: IPAddress?, port: UInt16, ttl: UInt8) {
            self.maximumLength = maximumLength
            self.group = group
            self.port = port
            self.ttl = ttl
        }
    }

    /// The longest interface name the kernel takes (IFNAMSIZ less its NUL).
    public static let maximumInterfaceLength = 15

    public init(role: Role, interface: String, syncID: UInt8, details: Details? = nil) {
        self.role = role
        self.interface = interface
        self.syncID = syncID
        self.details = details
    }

    /// Whether this daemon runs as `wanted` asks (the details are the kernel's business).
    public func matches(_ wanted: SyncDaemon) -> Bool {
        role == wanted.role && interface == wanted.interface && syncID == wanted.syncID
    }

    public var description: String { "\(role) sync daemon on \(interface) (syncid \(syncID))" }
}
