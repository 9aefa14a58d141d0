import LVSModel

/// The IPVS connection timeouts the configuration asks for (`ipvs.timeouts`), in seconds; a
/// nil timeout is left as the kernel has it. pglvsd sets them at start and reload and puts them
/// back when someone changes them (`ipvsadm --set`).
public struct TimeoutSettings: Hashable, Sendable {
    public var tcp: UInt32?
    public var tcpFin: UInt32?
    public var udp: UInt32?

    public init(tcp: UInt32? = nil, tcpFin: UInt32? = nil, udp: UInt32? = nil) {
        self.tcp = tcp
        self.tcpFin = tcpFin
        self.udp = udp
    }

    public var isEmpty: Bool { tcp == nil && tcpFin == nil && udp == nil }

    /// What to send to bring `current` to these settings (IPVS_CMD_SET_CONFIG reads 0 as
    /// "leave as is"), and the changes in words; nil when the kernel already agrees.
    public func correction(of current: IPVSTimeouts) -> (request: IPVSTimeouts, changes: [String])? {
        var request = IPVSTimeouts(tcp: 0, tcpFin: 0, udp: 0)
        var changes: [String] = []
        func want(_ name: String, _ wanted: UInt32?, _ now: UInt32, _ field: WritableKeyPath<IPVSTimeouts, UInt32>) {
            guard let wanted, wanted != now else { return }
            request[keyPath: field] = wanted
            changes.append("\(name) \(now) s -> \(wanted) s")
        }
        want("tcp", tcp, current.tcp, \.tcp)
        want("tcp_fin", tcpFin, current.tcpFin, \.tcpFin)
        want("udp", udp, current.udp, \.udp)
        return changes.isEmpty ? nil : (request, changes)
    }
}
