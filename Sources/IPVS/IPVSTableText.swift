import LVSModel

/// One virtual service and its real servers, as read from the kernel.
public struct KernelServiceTable: Hashable, Sendable {
    public var service: VirtualService
    public var destinations: [Destination]

    public init(service: VirtualService, destinations: [Destination]) {
        self.service = service
        self.destinations = destinations
    }

    /// Every service with its real servers, in ipvsadm's order.
    public static func read(_ client: IPVSClient) throws(IPVSError) -> [KernelServiceTable] {
        var tables: [KernelServiceTable] = []
        for service in try client.services().sorted(by: { ipvsadmOrder($0.key, $1.key) }) {
            let destinations = try client.destinations(of: service.key).sorted { ipvsadmOrder($0.endpoint, $1.endpoint) }
            tables.append(KernelServiceTable(service: service, destinations: destinations))
        }
        return tables
    }
}

/// ipvsadm sorts with libipvs's comparators, which subtract unsigned fields into a C int: fwmark,
/// family, protocol, address (32-bit words), port. The wrap-around is kept so that our order is
/// ipvsadm's to the line.
private func ipvsadmOrder(_ lhs: VirtualServiceKey, _ rhs: VirtualServiceKey) -> Bool {
    func fields(_ key: VirtualServiceKey) -> (mark: UInt32, family: UInt32, proto: UInt32, endpoint: SocketEndpoint?) {
        switch key {
        case let .endpoint(proto, endpoint):
            let number: UInt32 = proto == .tcp ? 6 : proto == .udp ? 17 : 132
            return (0, endpoint.address.family == .inet ? 2 : 10, number, endpoint)
        case let .firewallMark(mark, family):
            return (mark, family == .inet ? 2 : 10, 0, nil)
        }
    }
    let (a, b) = (fields(lhs), fields(rhs))
    for (x, y) in [(a.mark, b.mark), (a.family, b.family), (a.proto, b.proto)] {
        let difference = cDifference(x, y)
        if difference != 0 { return difference < 0 }
    }
    guard let first = a.endpoint, let second = b.endpoint else { return false }
    return ipvsadmOrder(first, second)
}

/// libipvs's destination comparator: the first endpoint's family decides how many address words count.
private func ipvsadmOrder(_ lhs: SocketEndpoint, _ rhs: SocketEndpoint) -> Bool {
    let (a, b) = (addressWords(lhs.address), addressWords(rhs.address))
    var difference: Int32 = 0
    for index in 0..<(lhs.address.family == .inet6 ? 4 : 1) where difference == 0 {
        difference = cDifference(a[index], b[index])
    }
    if difference == 0 { difference = Int32(lhs.port) - Int32(rhs.port) }
    return difference < 0
}

/// `(int)(a - b)` for unsigned a and b, as C computes it.
private func cDifference(_ a: UInt32, _ b: UInt32) -> Int32 { Int32(bitPattern: a &- b) }

/// The address as the kernel's 16-byte nf_inet_addr, in four host-order words.
private func addressWords(_ address: IPAddress) -> [UInt32] {
    var bytes = address.bytes
    bytes += [UInt8](repeating: 0, count: 16 - bytes.count)
    return stride(from: 0, to: 16, by: 4).map { bytes[$0..<($0 + 4)].reduce(0) { $0 << 8 | UInt32($1) } }
}

/// Which of ipvsadm's listings to reproduce.
public enum IPVSListing: String, CaseIterable, Sendable {
    case standard, stats, rate, thresholds, persistentConnections, tunnelInfo
}

/// Renders the kernel table exactly as `ipvsadm -Ln` (and its --stats, --rate, --thresholds,
/// --persistent-conn, --tun-info variants) does, so that the two can be compared with diff.
public enum IPVSTableText {
    public static func render(_ tables: [KernelServiceTable], info: IPVSInfo, listing: IPVSListing = .standard) -> String {
        var lines = ["IP Virtual Server version \(info.versionString) (size=\(info.connectionTableSize))"]
        switch listing {
        case .stats:
            lines += ["Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes", "  -> RemoteAddress:Port"]
        case .rate:
            lines += ["Prot LocalAddress:Port                 CPS    InPPS   OutPPS    InBPS   OutBPS", "  -> RemoteAddress:Port"]
        case .thresholds:
            lines += ["Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn ", "  -> RemoteAddress:Port"]
        case .persistentConnections:
            lines += ["Prot LocalAddress:Port            Weight    PersistConn ActiveConn InActConn ", "  -> RemoteAddress:Port"]
        case .tunnelInfo:
            lines += ["Prot LocalAddress:Port Scheduler Flags",
                      "  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn"]
        case .standard:
            lines += ["Prot LocalAddress:Port Scheduler Flags",
                      "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn"]
        }
        for table in tables {
            lines.append(serviceLine(table.service, listing: listing))
            for destination in table.destinations {
                lines.append(destinationLine(destination, listing: listing))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `Timeout (tcp tcpfin udp): 900 120 300`, as `ipvsadm -L --timeout` prints it.
    public static func render(_ timeouts: IPVSTimeouts) -> String {
        "Timeout (tcp tcpfin udp): \(timeouts.tcp) \(timeouts.tcpFin) \(timeouts.udp)\n"
    }

    /// `master sync daemon (mcast=eth1, syncid=7, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)`, one
    /// line a daemon, as `ipvsadm -L --daemon` prints them (nothing when none runs).
    public static func render(_ daemons: [SyncDaemon]) -> String {
        daemons.map { daemon in
            var line = "\(daemon.role.rawValue) sync daemon (mcast=\(daemon.interface), syncid=\(daemon.syncID)"
            if let details = daemon.details {
                if details.maximumLength != 0 { line += ", maxlen=\(details.maximumLength)" }
                if let group = details.group { line += ", group=\(group)" }
                if details.port != 0 { line += ", port=\(details.port)" }
                if details.ttl != 0 { line += ", ttl=\(details.ttl)" }
            }
            return line + ")\n"
        }.joined()
    }

    private static func serviceName(_ key: VirtualServiceKey) -> String {
        switch key {
        case let .endpoint(proto, endpoint): return pad(proto.rawValue.uppercased(), 4) + " " + endpoint.description
        case let .firewallMark(mark, family): return "FWM  \(mark)" + (family == .inet6 ? " IPv6" : "")
        }
    }

    private static func serviceLine(_ service: VirtualService, listing: IPVSListing) -> String {
        let name = serviceName(service.key)
        switch listing {
        case .stats:
            let stats = service.stats ?? TrafficStats()
            return pad(name, 33) + numbers([stats.connections, stats.inPackets, stats.outPackets, stats.inBytes, stats.outBytes])
        case .rate:
            let stats = service.stats ?? TrafficStats()
            return pad(name, 33) + numbers([stats.connectionsPerSecond, stats.inPacketsPerSecond, stats.outPacketsPerSecond,
                                            stats.inBytesPerSecond, stats.outBytesPerSecond])
        case .standard, .thresholds, .persistentConnections, .tunnelInfo:
            return name + " " + service.scheduler + flagsText(service)
        }
    }

    private static func flagsText(_ service: VirtualService) -> String {
        var text = ""
        let schedulerFlags: [(ServiceFlags, String)]
        switch service.scheduler {
        case "sh": schedulerFlags = [(.shFallback, "sh-fallback"), (.shPort, "sh-port")]
        case "mh": schedulerFlags = [(.mhFallback, "mh-fallback"), (.mhPort, "mh-port")]
        default: schedulerFlags = [(.schedulerFlag1, "flag-1"), (.schedulerFlag2, "flag-2"), (.schedulerFlag3, "flag-3")]
        }
        let names = schedulerFlags.filter { service.flags.contains($0.0) }.map(\.1)
        if !names.isEmpty { text += " (" + names.joined(separator: ",") + ")" }
        if service.flags.contains(.persistent) {
            text += " persistent \(service.persistenceTimeout)"
            switch service.key.family {
            case .inet where service.netmask != 0xffff_ffff:
                text += " mask " + IPAddress.v4(service.netmask).description
            case .inet6 where service.netmask != 128:
                text += " mask \(service.netmask)"
            default:
                break
            }
            if let engine = service.persistenceEngine, !engine.isEmpty { text += " pe \(engine)" }
        }
        if service.flags.contains(.onePacket) { text += " ops" }
        return text
    }

    private static func destinationLine(_ destination: Destination, listing: IPVSListing) -> String {
        let name = "  -> " + pad(destination.endpoint.description, 28)
        let counts = destination.connections ?? ConnectionCounts()
        let stats = destination.stats ?? TrafficStats()
        switch listing {
        case .standard:
            return name + " " + pad(destination.forwarding.ipvsadmName, 7) + " " + pad("\(destination.weight)", 6)
                + " " + pad("\(counts.active)", 10) + " " + pad("\(counts.inactive)", 10)
        case .tunnelInfo:
            return name + " " + pad(destination.forwarding.ipvsadmName, 7) + " " + pad(tunnelText(destination), 13)
                + " " + pad("\(destination.weight)", 6) + " " + pad("\(counts.active)", 10) + " " + pad("\(counts.inactive)", 10)
        case .thresholds:
            return name + " " + pad("\(destination.upperThreshold)", 10) + " " + pad("\(destination.lowerThreshold)", 10)
                + " " + pad("\(counts.active)", 10) + " " + pad("\(counts.inactive)", 10)
        case .persistentConnections:
            return name + " " + pad("\(destination.weight)", 9) + " " + pad("\(counts.persistent)", 11)
                + " " + pad("\(counts.active)", 10) + " " + pad("\(counts.inactive)", 10)
        case .stats:
            return pad("  -> " + destination.endpoint.description, 33)
                + numbers([stats.connections, stats.inPackets, stats.outPackets, stats.inBytes, stats.outBytes])
        case .rate:
            return pad("  -> " + destination.endpoint.description, 33)
                + numbers([stats.connectionsPerSecond, stats.inPacketsPerSecond, stats.outPacketsPerSecond,
                           stats.inBytesPerSecond, stats.outBytesPerSecond])
        }
    }

    /// `n/a`, `ipip`, `gue:6080:-c`, `gre:+c`, as ipvsadm --tun-info prints tunnel settings.
    private static func tunnelText(_ destination: Destination) -> String {
        guard destination.forwarding == .tunnel, let tunnel = destination.tunnel else { return "n/a" }
        var text = tunnel.encapsulation.rawValue
        if tunnel.encapsulation == .gue { text += ":\(tunnel.port)" }
        if tunnel.encapsulation != .ipip {
            if tunnel.flags.contains(.remoteChecksum) {
                text += ":r+c"
            } else if tunnel.flags.contains(.checksum) {
                text += ":+c"
            } else {
                text += ":-c"
            }
        }
        return text
    }

    /// ipvsadm's print_largenum: 9 columns, K/M/G/T beyond 100 million.
    static func largeNumber(_ value: UInt64) -> String {
        let text: String
        switch value {
        case ..<100_000_000: return leftPad("\(value)", 9)
        case ..<1_000_000_000: text = "\(value / 1000)K"
        case ..<100_000_000_000: text = "\(value / 1_000_000)M"
        case ..<100_000_000_000_000: text = "\(value / 1_000_000_000)G"
        default: text = "\(value / 1_000_000_000_000)T"
        }
        return leftPad(text, 9)
    }

    private static func numbers(_ values: [UInt64]) -> String {
        values.map(largeNumber).joined()
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    private static func leftPad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }
}
