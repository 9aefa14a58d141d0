import LVSModel

/// One request to the kernel's IPVS family. Encoding is pure: the same request, family id,
/// sequence and port always give the same bytes.
enum IPVSRequest: Sendable {
    case listServices
    case newService(VirtualService)
    case setService(VirtualService)
    case deleteService(VirtualServiceKey)
    case listDestinations(VirtualServiceKey)
    case newDestination(VirtualServiceKey, Destination)
    case setDestination(VirtualServiceKey, Destination)
    case deleteDestination(VirtualServiceKey, SocketEndpoint)
    case info
    case timeouts
    case setTimeouts(IPVSTimeouts)
    case flush
    case listSyncDaemons
    case startSyncDaemon(SyncDaemon)
    case stopSyncDaemon(SyncDaemon.Role)

    var operation: IPVSOperation {
        switch self {
        case .listServices: return .listServices
        case .newService(let service): return .addService(service.key)
        case .setService(let service): return .editService(service.key)
        case .deleteService(let key): return .deleteService(key)
        case .listDestinations(let key): return .listDestinations(key)
        case .newDestination(let key, let destination): return .addDestination(key, destination.endpoint)
        case .setDestination(let key, let destination): return .editDestination(key, destination.endpoint)
        case .deleteDestination(let key, let endpoint): return .deleteDestination(key, endpoint)
        case .info: return .info
        case .timeouts: return .timeouts
        case .setTimeouts: return .setTimeouts
        case .flush: return .flush
        case .listSyncDaemons: return .listSyncDaemons
        case .startSyncDaemon(let daemon): return .startSyncDaemon(daemon)
        case .stopSyncDaemon(let role): return .stopSyncDaemon(role)
        }
    }

    var isDump: Bool {
        switch self {
        case .listServices, .listDestinations, .listSyncDaemons: return true
        default: return false
        }
    }

    func encode(family: UInt16, sequence: UInt32, portID: UInt32, into buffer: [UInt8] = []) -> [UInt8] {
        let flags = NetlinkConstant.flagRequest | (isDump ? NetlinkConstant.flagDump : NetlinkConstant.flagAck)
        var writer = NetlinkMessageWriter(into: buffer, family: family, flags: flags, sequence: sequence,
                                          portID: portID, command: command, version: IPVSCommand.version)
        switch self {
        case .listServices, .info, .timeouts, .flush, .listSyncDaemons:
            break
        case .startSyncDaemon(let daemon):
            writer.nest(IPVSCommandAttribute.daemon) { nested in
                nested.append(IPVSDaemonAttribute.state, IPVSDaemonState.of(daemon.role))
                nested.append(IPVSDaemonAttribute.interface, string: daemon.interface)
                nested.append(IPVSDaemonAttribute.syncID, UInt32(daemon.syncID))
            }
        case .stopSyncDaemon(let role):
            writer.nest(IPVSCommandAttribute.daemon) { $0.append(IPVSDaemonAttribute.state, IPVSDaemonState.of(role)) }
        case .setTimeouts(let timeouts):
            writer.append(IPVSCommandAttribute.timeoutTCP, timeouts.tcp)
            writer.append(IPVSCommandAttribute.timeoutTCPFin, timeouts.tcpFin)
            writer.append(IPVSCommandAttribute.timeoutUDP, timeouts.udp)
        case .newService(let service), .setService(let service):
            writer.nest(IPVSCommandAttribute.service) { IPVSEncoding.appendService(service, to: &$0) }
        case .deleteService(let key), .listDestinations(let key):
            writer.nest(IPVSCommandAttribute.service) { IPVSEncoding.appendServiceKey(key, to: &$0) }
        case .newDestination(let key, let destination), .setDestination(let key, let destination):
            writer.nest(IPVSCommandAttribute.service) { IPVSEncoding.appendServiceKey(key, to: &$0) }
            writer.nest(IPVSCommandAttribute.destination) { IPVSEncoding.appendDestination(destination, to: &$0) }
        case .deleteDestination(let key, let endpoint):
            writer.nest(IPVSCommandAttribute.service) { IPVSEncoding.appendServiceKey(key, to: &$0) }
            writer.nest(IPVSCommandAttribute.destination) { IPVSEncoding.appendDestinationEndpoint(endpoint, to: &$0) }
        }
        return writer.finish()
    }

    private var command: UInt8 {
        switch self {
        case .listServices: return IPVSCommand.getService
        case .newService: return IPVSCommand.newService
        case .setService: return IPVSCommand.setService
        case .deleteService: return IPVSCommand.deleteService
        case .listDestinations: return IPVSCommand.getDestination
        case .newDestination: return IPVSCommand.newDestination
        case .setDestination: return IPVSCommand.setDestination
        case .deleteDestination: return IPVSCommand.deleteDestination
        case .info: return IPVSCommand.getInfo
        case .timeouts: return IPVSCommand.getConfig
        case .setTimeouts: return IPVSCommand.setConfig
        case .flush: return IPVSCommand.flush
        case .listSyncDaemons: return IPVSCommand.getDaemon
        case .startSyncDaemon: return IPVSCommand.newDaemon
        case .stopSyncDaemon: return IPVSCommand.deleteDaemon
        }
    }
}

enum IPVSEncoding {
    /// The kernel reads a service or destination address as a 16-byte `nf_inet_addr`.
    static func inetAddress(_ address: IPAddress) -> [UInt8] {
        var bytes = address.bytes
        if bytes.count < 16 { bytes += Array(repeating: 0, count: 16 - bytes.count) }
        return bytes
    }

    static func familyNumber(_ family: IPAddress.Family) -> UInt16 {
        family == .inet ? KernelNumber.inet : KernelNumber.inet6
    }

    static func appendServiceKey(_ key: VirtualServiceKey, to writer: inout NetlinkMessageWriter) {
        writer.append(IPVSServiceAttribute.addressFamily, familyNumber(key.family))
        switch key {
        case let .endpoint(proto, endpoint):
            writer.append(IPVSServiceAttribute.protocol, proto.kernelNumber)
            writer.append(IPVSServiceAttribute.address, bytes: inetAddress(endpoint.address))
            writer.appendBigEndian(IPVSServiceAttribute.port, endpoint.port)
        case let .firewallMark(mark, _):
            writer.append(IPVSServiceAttribute.firewallMark, mark)
        }
    }

    static func appendService(_ service: VirtualService, to writer: inout NetlinkMessageWriter) {
        appendServiceKey(service.key, to: &writer)
        writer.append(IPVSServiceAttribute.schedulerName, string: service.scheduler)
        if let engine = service.persistenceEngine {
            writer.append(IPVSServiceAttribute.persistenceEngine, string: engine)
        }
        // struct ip_vs_flags { flags; mask }: every bit is set or cleared as given.
        var flags = [UInt8]()
        withUnsafeBytes(of: service.flags.rawValue) { flags.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32.max) { flags.append(contentsOf: $0) }
        writer.append(IPVSServiceAttribute.flags, bytes: flags)
        writer.append(IPVSServiceAttribute.timeout, service.persistenceTimeout)
        // The kernel reads the IPv4 netmask as __be32.
        writer.append(IPVSServiceAttribute.netmask,
                      service.key.family == .inet ? service.netmask.bigEndian : service.netmask)
    }

    static func appendDestinationEndpoint(_ endpoint: SocketEndpoint, to writer: inout NetlinkMessageWriter) {
        // ADDR_FAMILY first: without it a kernel assumes the service's family (moby/ipvs's IPv6 bug).
        writer.append(IPVSDestinationAttribute.addressFamily, familyNumber(endpoint.address.family))
        writer.append(IPVSDestinationAttribute.address, bytes: inetAddress(endpoint.address))
        writer.appendBigEndian(IPVSDestinationAttribute.port, endpoint.port)
    }

    static func appendDestination(_ destination: Destination, to writer: inout NetlinkMessageWriter) {
        appendDestinationEndpoint(destination.endpoint, to: &writer)
        writer.append(IPVSDestinationAttribute.forwardingMethod, destination.forwarding.kernelValue)
        writer.append(IPVSDestinationAttribute.weight, destination.weight)
        writer.append(IPVSDestinationAttribute.upperThreshold, destination.upperThreshold)
        writer.append(IPVSDestinationAttribute.lowerThreshold, destination.lowerThreshold)
        if destination.forwarding == .tunnel, let tunnel = destination.tunnel {
            writer.append(IPVSDestinationAttribute.tunnelType, tunnel.encapsulation.kernelValue)
            writer.appendBigEndian(IPVSDestinationAttribute.tunnelPort, tunnel.port)
            writer.append(IPVSDestinationAttribute.tunnelFlags, tunnel.flags.rawValue)
        }
    }
}

/// Why a reply could not be understood.
public struct IPVSDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    public var detail: String
    public var description: String { "malformed IPVS reply: \(detail)" }
}

enum IPVSDecoding {
    static func address(_ payload: ArraySlice<UInt8>?, family: UInt16) throws -> IPAddress {
        guard let payload else { throw IPVSDecodingError(detail: "address missing") }
        let length = family == KernelNumber.inet6 ? 16 : 4
        guard payload.count >= length, let address = IPAddress(bytes: Array(payload.prefix(length))) else {
            throw IPVSDecodingError(detail: "address of \(payload.count) bytes for family \(family)")
        }
        return address
    }

    static func family(_ number: UInt16?) throws -> IPAddress.Family {
        switch number {
        case KernelNumber.inet: return .inet
        case KernelNumber.inet6: return .inet6
        default: throw IPVSDecodingError(detail: "address family \(number.map(String.init) ?? "missing")")
        }
    }

    /// The IPVS_CMD_ATTR_SERVICE nest of a GET_SERVICE reply.
    static func service(from message: NetlinkMessage) throws -> VirtualService {
        let top = try NetlinkDecoding.attributes(in: message.genlAttributes, maxType: IPVSCommandAttribute.max)
        guard let nest = top[IPVSCommandAttribute.service] else {
            throw IPVSDecodingError(detail: "service reply without a service")
        }
        let attributes = try NetlinkDecoding.attributes(in: nest, maxType: IPVSServiceAttribute.max)
        let familyNumber = try attributes.integer(IPVSServiceAttribute.addressFamily, as: UInt16.self)
        let family = try family(familyNumber)
        let key: VirtualServiceKey
        if let mark = try attributes.integer(IPVSServiceAttribute.firewallMark, as: UInt32.self), mark != 0 {
            key = .firewallMark(mark, family)
        } else {
            guard let number = try attributes.integer(IPVSServiceAttribute.protocol, as: UInt16.self),
                  let proto = TransportProtocol(kernelNumber: number),
                  let port = try attributes.bigEndian16(IPVSServiceAttribute.port) else {
                throw IPVSDecodingError(detail: "service without protocol or port")
            }
            let address = try address(attributes[IPVSServiceAttribute.address], family: familyNumber!)
            key = .endpoint(proto, SocketEndpoint(address: address, port: port))
        }
        // struct ip_vs_flags: the flags, then the mask.
        let flags = try attributes.integer(IPVSServiceAttribute.flags, as: UInt32.self) ?? 0
        var netmask = try attributes.integer(IPVSServiceAttribute.netmask, as: UInt32.self) ?? 0
        if family == .inet { netmask = UInt32(bigEndian: netmask) }
        return try VirtualService(
            key: key,
            scheduler: attributes.string(IPVSServiceAttribute.schedulerName) ?? "",
            flags: ServiceFlags(rawValue: flags),
            persistenceTimeout: attributes.integer(IPVSServiceAttribute.timeout) ?? 0,
            netmask: netmask,
            persistenceEngine: attributes.string(IPVSServiceAttribute.persistenceEngine),
            stats: try stats(attributes, stats64: IPVSServiceAttribute.stats64, stats32: IPVSServiceAttribute.stats))
    }

    /// The IPVS_CMD_ATTR_DEST nest of a GET_DEST reply; `serviceFamily` stands in for
    /// ADDR_FAMILY on kernels that do not send it.
    static func destination(from message: NetlinkMessage, serviceFamily: IPAddress.Family) throws -> Destination {
        let top = try NetlinkDecoding.attributes(in: message.genlAttributes, maxType: IPVSCommandAttribute.max)
        guard let nest = top[IPVSCommandAttribute.destination] else {
            throw IPVSDecodingError(detail: "destination reply without a destination")
        }
        let attributes = try NetlinkDecoding.attributes(in: nest, maxType: IPVSDestinationAttribute.max)
        let familyNumber = try attributes.integer(IPVSDestinationAttribute.addressFamily, as: UInt16.self)
            ?? IPVSEncoding.familyNumber(serviceFamily)
        let address = try address(attributes[IPVSDestinationAttribute.address], family: familyNumber)
        guard let port = try attributes.bigEndian16(IPVSDestinationAttribute.port),
              let forwardingValue = try attributes.integer(IPVSDestinationAttribute.forwardingMethod, as: UInt32.self),
              let forwarding = ForwardingMethod(kernelValue: forwardingValue) else {
            throw IPVSDecodingError(detail: "destination without port or forwarding method")
        }
        return try Destination(
            endpoint: SocketEndpoint(address: address, port: port),
            forwarding: forwarding,
            weight: attributes.integer(IPVSDestinationAttribute.weight) ?? 0,
            upperThreshold: attributes.integer(IPVSDestinationAttribute.upperThreshold) ?? 0,
            lowerThreshold: attributes.integer(IPVSDestinationAttribute.lowerThreshold) ?? 0,
            tunnel: forwarding == .tunnel ? tunnel(attributes) : nil,
            connections: ConnectionCounts(
                active: attributes.integer(IPVSDestinationAttribute.activeConnections) ?? 0,
                inactive: attributes.integer(IPVSDestinationAttribute.inactiveConnections) ?? 0,
                persistent: attributes.integer(IPVSDestinationAttribute.persistentConnections) ?? 0),
            stats: try stats(attributes, stats64: IPVSDestinationAttribute.stats64,
                             stats32: IPVSDestinationAttribute.stats))
    }

    static func info(from message: NetlinkMessage) throws -> IPVSInfo {
        let top = try NetlinkDecoding.attributes(in: message.genlAttributes, maxType: IPVSInfoAttribute.max)
        guard let version = try top.integer(IPVSInfoAttribute.version, as: UInt32.self) else {
            throw IPVSDecodingError(detail: "info reply without a version")
        }
        return try IPVSInfo(version: version,
                        connectionTableSize: top.integer(IPVSInfoAttribute.connectionTableSize) ?? 0)
    }

    /// Timeouts from a GET_CONFIG reply.
    static func timeouts(from message: NetlinkMessage) throws -> IPVSTimeouts {
        let top = try NetlinkDecoding.attributes(in: message.genlAttributes, maxType: IPVSCommandAttribute.max)
        guard let tcp = try top.integer(IPVSCommandAttribute.timeoutTCP, as: UInt32.self),
              let tcpFin = try top.integer(IPVSCommandAttribute.timeoutTCPFin, as: UInt32.self),
              let udp = try top.integer(IPVSCommandAttribute.timeoutUDP, as: UInt32.self) else {
            throw IPVSDecodingError(detail: "config reply without the three timeouts")
        }
        return IPVSTimeouts(tcp: tcp, tcpFin: tcpFin, udp: udp)
    }

    /// One daemon from a GET_DAEMON dump.
    static func syncDaemon(from message: NetlinkMessage) throws -> SyncDaemon {
        let top = try NetlinkDecoding.attributes(in: message.genlAttributes, maxType: IPVSCommandAttribute.max)
        guard let nested = top[IPVSCommandAttribute.daemon] else {
            throw IPVSDecodingError(detail: "daemon reply without a daemon attribute")
        }
        let attributes = try NetlinkDecoding.attributes(in: nested, maxType: IPVSDaemonAttribute.max)
        let role: SyncDaemon.Role
        switch try attributes.integer(IPVSDaemonAttribute.state, as: UInt32.self) {
        case IPVSDaemonState.master: role = .master
        case IPVSDaemonState.backup: role = .backup
        case let other: throw IPVSDecodingError(detail: "daemon state \(other.map(String.init) ?? "missing")")
        }
        guard let interface = attributes.string(IPVSDaemonAttribute.interface),
              let syncID = try attributes.integer(IPVSDaemonAttribute.syncID, as: UInt32.self) else {
            throw IPVSDecodingError(detail: "daemon reply without interface or syncid")
        }
        var details: SyncDaemon.Details?
        if let maximumLength = try attributes.integer(IPVSDaemonAttribute.maximumLength, as: UInt16.self) {
            var group: IPAddress?
            if let bytes = attributes[IPVSDaemonAttribute.group6] {
                group = try address(bytes, family: KernelNumber.inet6)
            } else if let bytes = attributes[IPVSDaemonAttribute.group] {
                group = try address(bytes, family: KernelNumber.inet)
            }
            // The kernel writes the port in host order (nla_put_u16 of a host value).
            details = try SyncDaemon.Details(maximumLength: maximumLength, group: group,
                                             port: attributes.integer(IPVSDaemonAttribute.port, as: UInt16.self) ?? 0,
                                             ttl: attributes.integer(IPVSDaemonAttribute.ttl, as: UInt8.self) ?? 0)
        }
        return SyncDaemon(role: role, interface: interface, syncID: UInt8(truncatingIfNeeded: syncID), details: details)
    }

    /// Kernels before 5.3 send no tunnel attributes: that is plain IPIP.
    private static func tunnel(_ attributes: NetlinkAttributes) throws(NetlinkDecodingError) -> TunnelSettings {
        let type = try attributes.integer(IPVSDestinationAttribute.tunnelType, as: UInt8.self) ?? IPVSTunnelValue.ipip
        return try TunnelSettings(
            encapsulation: TunnelSettings.Encapsulation(kernelValue: type) ?? .ipip,
            port: attributes.bigEndian16(IPVSDestinationAttribute.tunnelPort) ?? 0,
            flags: TunnelSettings.Flags(rawValue: attributes.integer(IPVSDestinationAttribute.tunnelFlags) ?? 0))
    }

    /// STATS64 when the kernel sends it (4.11+), else the 32-bit STATS nest.
    private static func stats(_ attributes: NetlinkAttributes, stats64: UInt16, stats32: UInt16) throws -> TrafficStats? {
        if let nest = attributes[stats64] {
            let values = try NetlinkDecoding.attributes(in: nest, maxType: IPVSStatsAttribute.max)
            func read(_ type: UInt16) throws(NetlinkDecodingError) -> UInt64 { try values.integer(type) ?? 0 }
            return try TrafficStats(connections: read(IPVSStatsAttribute.connections),
                                inPackets: read(IPVSStatsAttribute.inPackets),
                                outPackets: read(IPVSStatsAttribute.outPackets),
                                inBytes: read(IPVSStatsAttribute.inBytes),
                                outBytes: read(IPVSStatsAttribute.outBytes),
                                connectionsPerSecond: read(IPVSStatsAttribute.connectionsPerSecond),
                                inPacketsPerSecond: read(IPVSStatsAttribute.inPacketsPerSecond),
                                outPacketsPerSecond: read(IPVSStatsAttribute.outPacketsPerSecond),
                                inBytesPerSecond: read(IPVSStatsAttribute.inBytesPerSecond),
                                outBytesPerSecond: read(IPVSStatsAttribute.outBytesPerSecond))
        }
        if let nest = attributes[stats32] {
            let values = try NetlinkDecoding.attributes(in: nest, maxType: IPVSStatsAttribute.max)
            func read32(_ type: UInt16) throws(NetlinkDecodingError) -> UInt64 {
                UInt64(try values.integer(type, as: UInt32.self) ?? 0)
            }
            return try TrafficStats(connections: read32(IPVSStatsAttribute.connections),
                                inPackets: read32(IPVSStatsAttribute.inPackets),
                                outPackets: read32(IPVSStatsAttribute.outPackets),
                                inBytes: values.integer(IPVSStatsAttribute.inBytes) ?? 0,
                                outBytes: values.integer(IPVSStatsAttribute.outBytes) ?? 0,
                                connectionsPerSecond: read32(IPVSStatsAttribute.connectionsPerSecond),
                                inPacketsPerSecond: read32(IPVSStatsAttribute.inPacketsPerSecond),
                                outPacketsPerSecond: read32(IPVSStatsAttribute.outPacketsPerSecond),
                                inBytesPerSecond: read32(IPVSStatsAttribute.inBytesPerSecond),
                                outBytesPerSecond: read32(IPVSStatsAttribute.outBytesPerSecond))
        }
        return nil
    }
}
