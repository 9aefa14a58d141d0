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
    /// Present on destinations read from the kernel.
    public var connections: ConnectionCounts?
    public var stats: TrafficStats?

    public init(endpoint: SocketEndpoint, forwarding: ForwardingMethod, weight: UInt32,
                upperThreshold: UInt32 = 0, lowerThreshold: UInt32 = 0,
                connections: ConnectionCounts? = nil, stats: TrafficStats? = nil) {
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
