/// The transport protocol of a virtual service.
public enum TransportProtocol: String, Sendable, Hashable, CaseIterable, Codable {
    case tcp, udp, sctp
}

/// How a virtual service is identified in the kernel: by protocol, address and port, or by
/// firewall mark (with the address family the mark applies to).
public enum VirtualServiceKey: Hashable, Sendable, CustomStringConvertible {
    case endpoint(TransportProtocol, SocketEndpoint)
    case firewallMark(UInt32, IPAddress.Family)

    public var family: IPAddress.Family {
        switch self {
        case .endpoint(_, let endpoint): return endpoint.address.family
        case .firewallMark(_, let family): return family
        }
    }

    /// `TCP 10.0.0.200:5432` or `FWM 7`, as ipvsadm names services.
    public var description: String {
        switch self {
        case let .endpoint(proto, endpoint): return "\(proto.rawValue.uppercased()) \(endpoint)"
        case let .firewallMark(mark, family): return family == .inet ? "FWM \(mark)" : "FWM \(mark) IPv6"
        }
    }
}

/// Traffic counters and rates the kernel keeps per service and per destination.
public struct TrafficStats: Hashable, Sendable {
    public var connections: UInt64
    public var inPackets: UInt64
    public var outPackets: UInt64
    public var inBytes: UInt64
    public var outBytes: UInt64
    /// Rates over the kernel's estimation interval: connections, packets and bytes per second.
    public var connectionsPerSecond: UInt64
    public var inPacketsPerSecond: UInt64
    public var outPacketsPerSecond: UInt64
    public var inBytesPerSecond: UInt64
    public var outBytesPerSecond: UInt64

    public init(connections: UInt64 = 0, inPackets: UInt64 = 0, outPackets: UInt64 = 0,
                inBytes: UInt64 = 0, outBytes: UInt64 = 0,
                connectionsPerSecond: UInt64 = 0, inPacketsPerSecond: UInt64 = 0, outPacketsPerSecond: UInt64 = 0,
                inBytesPerSecond: UInt64 = 0, outBytesPerSecond: UInt64 = 0) {
        self.connections = connections
        self.inPackets = inPackets
        self.outPackets = outPackets
        self.inBytes = inBytes
        self.outBytes = outBytes
        self.connectionsPerSecond = connectionsPerSecond
        self.inPacketsPerSecond = inPacketsPerSecond
        self.outPacketsPerSecond = outPacketsPerSecond
        self.inBytesPerSecond = inBytesPerSecond
        self.outBytesPerSecond = outBytesPerSecond
    }
}

/// IP_VS_SVC_F_* service flags.
public struct ServiceFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Clients stick to one real server for the persistence timeout.
    public static let persistent = ServiceFlags(rawValue: 0x1)
    /// Set by the kernel on every service in its hash table; not a setting.
    public static let hashed = ServiceFlags(rawValue: 0x2)
    /// One-packet scheduling (UDP): every datagram is scheduled on its own.
    public static let onePacket = ServiceFlags(rawValue: 0x4)
    public static let schedulerFlag1 = ServiceFlags(rawValue: 0x8)
    public static let schedulerFlag2 = ServiceFlags(rawValue: 0x10)
    public static let schedulerFlag3 = ServiceFlags(rawValue: 0x20)

    /// sh: fall back to another server when the hashed one is unavailable.
    public static let shFallback = schedulerFlag1
    /// sh: hash the source port too.
    public static let shPort = schedulerFlag2
    /// mh: fall back to another server when the hashed one is unavailable.
    public static let mhFallback = schedulerFlag1
    /// mh: hash the source port too.
    public static let mhPort = schedulerFlag2

    /// The flags a caller sets; the kernel's own bookkeeping (HASHED) left out.
    public var settable: ServiceFlags { subtracting(.hashed) }
}

/// A virtual service: what clients connect to and how the director schedules them.
public struct VirtualService: Hashable, Sendable {
    public var key: VirtualServiceKey
    /// Scheduler module name without the `ip_vs_` prefix (rr, wrr, wlc, …).
    public var scheduler: String
    /// Persistence, one-packet scheduling and the scheduler's own flags.
    public var flags: ServiceFlags
    /// Persistence timeout in seconds (0: not persistent).
    public var persistenceTimeout: UInt32
    /// IPv4: the persistence netmask as a 32-bit mask in host order; IPv6: prefix length.
    public var netmask: UInt32
    /// Persistence engine name (e.g. `sip`), if any.
    public var persistenceEngine: String?
    /// Counters, present on services read from the kernel.
    public var stats: TrafficStats?

    public init(key: VirtualServiceKey, scheduler: String, flags: ServiceFlags = [], persistenceTimeout: UInt32 = 0,
                netmask: UInt32? = nil, persistenceEngine: String? = nil, stats: TrafficStats? = nil) {
        self.key = key
        self.scheduler = scheduler
        self.flags = flags
        self.persistenceTimeout = persistenceTimeout
        self.netmask = netmask ?? (key.family == .inet ? 0xffff_ffff : 128)
        self.persistenceEngine = persistenceEngine
        self.stats = stats
    }
}
