/// How the director forwards packets to a real server.
public enum ForwardingMethod: String, Sendable, Hashable, CaseIterable, Codable {
    /// NAT ("masquerading", ipvsadm `-m`).
    case masquerade = "nat"
    /// Direct routing (ipvsadm `-g`): the real server answers the client itself.
    case directRoute = "dr"
    /// IP-in-IP tunnelling (ipvsadm `-i`).
    case tunnel
    /// The director itself serves.
    case local

    /// The word ipvsadm -Ln prints in its Forward column.
    public var ipvsadmName: String {
        switch self {
        case .masquerade: return "Masq"
        case .directRoute: return "Route"
        case .tunnel: return "Tunnel"
        case .local: return "Local"
        }
    }
}

/// Connection counts the kernel reports for a destination.
public struct ConnectionCounts: Hashable, Sendable {
    public var active: UInt32
    public var inactive: UInt32
    public var persistent: UInt32

    public init(active: UInt32 = 0, inactive: UInt32 = 0, persistent: UInt32 = 0) {
        self.active = active
        self.inactive = inactive
        self.persistent = persistent
    }
}

/// How a tunnelled destination encapsulates (kernel 5.3+: GUE and GRE besides IPIP).
public struct TunnelSettings: Hashable, Sendable {
    public enum Encapsulation: String, Hashable, Sendable, CaseIterable {
        case ipip, gue, gre
    }

    /// IP_VS_TUNNEL_ENCAP_FLAG_* checksum options.
    public struct Flags: OptionSet, Hashable, Sendable {
        public var rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }
        public static let checksum = Flags(rawValue: 0x1)
        public static let remoteChecksum = Flags(rawValue: 0x2)
    }

    public var encapsulation: Encapsulation
    /// The UDP port GUE packets go to (GUE only).
    public var port: UInt16
    public var flags: Flags

    public init(encapsulation: Encapsulation = .ipip, port: UInt16 = 0, flags: Flags = []) {
        self.encapsulation = encapsulation
        self.port = port
        self.flags = flags
    }
}

/// A real server behind a virtual service, as the kernel holds it.
public struct Destination: Hashable, Sendable {
    public var endpoint: SocketEndpoint
    public var forwarding: ForwardingMethod
    /// Relative share of new connections; 0 keeps the server but sends it nothing new.
    public var weight: UInt32
    /// Upper connection threshold (0: none).
    public var upperThreshold: UInt32
    /// Lower connection threshold (0: none).
    public var lowerThreshold: UInt32
    /// Encapsulation of a tunnelled destination; nil for other forwarding methods.
    public var tunnel: TunnelSettings?
    /// Present on destinations read from the kernel.
    public var connections: ConnectionCounts?
    public var stats: TrafficStats?

    public init(endpoint: SocketEndpoint, forwarding: ForwardingMethod, weight: UInt32,
                upperThreshold: UInt32 = 0, lowerThreshold: UInt32 = 0, tunnel: TunnelSettings? = nil,
                connections: ConnectionCounts? = nil, stats: TrafficStats? = nil) {
        self.tunnel = tunnel
        self.endpoint = endpoint
        self.forwarding = forwarding
        self.weight = weight
        self.upperThreshold = upperThreshold
        self.lowerThreshold = lowerThreshold
        self.connections = connections
        self.stats = stats
    }
}

/// The IPVS module's version as the kernel reports it.
public struct IPVSInfo: Hashable, Sendable {
    public var version: UInt32
    public var connectionTableSize: UInt32

    public init(version: UInt32, connectionTableSize: UInt32) {
        self.version = version
        self.connectionTableSize = connectionTableSize
    }

    /// `1.2.1`, as in ipvsadm's banner.
    public var versionString: String {
        "\(version >> 16).\((version >> 8) & 0xff).\(version & 0xff)"
    }
}

/// The connection timeouts of IPVS, in seconds (ipvsadm --set / -L --timeout).
public struct IPVSTimeouts: Hashable, Sendable {
    public var tcp: UInt32
    public var tcpFin: UInt32
    public var udp: UInt32

    public init(tcp: UInt32, tcpFin: UInt32, udp: UInt32) {
        self.tcp = tcp
        self.tcpFin = tcpFin
        self.udp = udp
    }
}
