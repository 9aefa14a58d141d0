import LVSModel

/// A real server's TCP keepalive timing for client sessions, as its PostgreSQL reports it
/// (tcp_keepalives_idle and tcp_keepalives_interval; with the GUCs at 0 a TCP session reports
/// the socket's effective values, the OS defaults).
public struct ServerKeepalive: Hashable, Sendable {
    /// Seconds of idleness before the first keepalive.
    public var idleSeconds: Int
    /// Seconds between keepalives after the first; nil when not known.
    public var intervalSeconds: Int?

    public init(idleSeconds: Int, intervalSeconds: Int? = nil) {
        self.idleSeconds = idleSeconds
        self.intervalSeconds = intervalSeconds
    }
}

/// When IPVS forgets an idle session. IPVS drops an established TCP entry after its `tcp`
/// timeout without a packet, and the session's next packet is then reset. In DR mode only
/// client→server packets cross the director, but a server keepalive is answered by the client's
/// ACK, which does cross it and refreshes the entry: so sessions survive any idleness only if
/// the server's first keepalive, and each one after it, comes sooner than the timeout.
public enum IdleSessionCheck {
    /// One warning per server whose keepalives come too late for `tcpTimeoutSeconds`.
    /// - Parameters:
    ///   - service: the virtual service as operators know it (`10.0.0.200:5432`).
    ///   - servers: each real server's name and its keepalive timing.
    public static func warnings(service: String, tcpTimeoutSeconds: UInt32,
                                servers: [(name: String, keepalive: ServerKeepalive)]) -> [String] {
        guard tcpTimeoutSeconds > 0 else { return [] }
        let timeout = Int(tcpTimeoutSeconds)
        let lost = "\(service) are dropped silently by IPVS"
        return servers.sorted { $0.name < $1.name }.compactMap { server in
            let name = server.name
            let keepalive = server.keepalive
            guard keepalive.idleSeconds > 0 else { return nil }
            if keepalive.idleSeconds >= timeout {
                return "\(name): sessions idle longer than \(timeout) s through \(lost): \(name) sends its first TCP "
                    + "keepalive after \(keepalive.idleSeconds) s; set tcp_keepalives_idle below \(timeout) on \(name) "
                    + "or raise ipvs.timeouts.tcp"
            }
            if let interval = keepalive.intervalSeconds, interval >= timeout {
                return "\(name): sessions idle longer than \(keepalive.idleSeconds + timeout) s through \(lost): \(name) "
                    + "repeats TCP keepalives only every \(interval) s; set tcp_keepalives_interval below \(timeout) "
                    + "on \(name) or raise ipvs.timeouts.tcp"
            }
            return nil
        }
    }

    /// Whether sessions of this service are TCP, to which the tcp timeout applies (a firewall
    /// mark may carry TCP too).
    public static func appliesTo(_ key: VirtualServiceKey) -> Bool {
        switch key {
        case .endpoint(let proto, _): return proto == .tcp
        case .firewallMark: return true
        }
    }
}
