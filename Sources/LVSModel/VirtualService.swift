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

/// Traffic counters the kernel keeps per service and per destination.
public struct TrafficStats: Hashable, Sendable {
    public var connections: UInt64 = 0
    public var inPackets: UInt64 = 0
    public var outPackets: UInt64 = 0
    public var inBytes: UInt64 = 0
    public var outBytes: UInt64 = 0

    public init(connections: UInt64 = 0, inPackets: UInt64 = 0, outPackets: UInt64 = 0,
                inBytes: UInt64 = 0, outBytes: UInt64 = 0) {
        self.connections = connections
        self.inPackets = inPackets
        self.outPackets = outPackets
        self.inBytes = inBytes
        self.outBytes = outBytes
    }
}

/// A virtual service: what clients connect to and how the director schedules them.
public struct VirtualService: Hashable, Sendable {
    public var key: VirtualServiceKey
    /// Scheduler module name without the `ip_vs_` prefix (rr, wrr, wlc, …).
    public var scheduler: String
    /// IP_VS_SVC_F_* flags (persistence, one-packet, scheduler flags).
    public var flags: UInt32
    /// Persistence timeout in seconds (0: not persistent).
    public var persistenceTimeout: UInt32
    /// IPv4: the persistence netmask as a 32-bit mask in host order; IPv6: prefix length.
    public var netmask: UInt32
    /// Persistence engine name (e.g. `sip`), if any.
    public var persistenceEngine: String?
    /// Counters, present on services read from the kernel.
    public var stats: TrafficStats?

    public init(key: VirtualServiceKey, scheduler: String, flags: UInt32 = 0, persistenceTimeout: UInt32 = 0,
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
