import Foundation
import IPVS
import LVSModel

/// One virtual service and its real servers, as read from the kernel.
struct KernelServiceTable {
    var service: VirtualService
    var destinations: [Destination]

    static func read(_ client: IPVSClient) throws -> [KernelServiceTable] {
        try client.services().sorted { ipvsadmOrder($0.key).lexicographicallyPrecedes(ipvsadmOrder($1.key)) }.map { service in
            KernelServiceTable(service: service,
                               destinations: try client.destinations(of: service.key).sorted { $0.endpoint < $1.endpoint })
        }
    }
}

/// ipvsadm's service order: plain services before firewall marks, IPv4 before IPv6, then
/// protocol number, address and port.
private func ipvsadmOrder(_ key: VirtualServiceKey) -> [UInt64] {
    switch key {
    case let .endpoint(proto, endpoint):
        let protocolNumber: UInt64 = proto == .tcp ? 6 : proto == .udp ? 17 : 132
        return [0, endpoint.address.family == .inet ? 0 : 1, protocolNumber]
            + endpoint.address.bytes.map(UInt64.init) + [UInt64(endpoint.port)]
    case let .firewallMark(mark, family):
        return [UInt64(mark), family == .inet ? 0 : 1]
    }
}

/// Renders the kernel table exactly as `ipvsadm -Ln` does, so the two can be compared with diff.
enum IPVSTableText {
    static func render(_ tables: [KernelServiceTable], info: IPVSInfo) -> String {
        var lines = [
            "IP Virtual Server version \(info.versionString) (size=\(info.connectionTableSize))",
            "Prot LocalAddress:Port Scheduler Flags",
            "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn",
        ]
        for table in tables {
            lines.append(serviceLine(table.service))
            for destination in table.destinations {
                let endpoint = destination.endpoint.description
                let counts = destination.connections ?? ConnectionCounts()
                lines.append("  -> " + pad(endpoint, 28) + " " + pad(destination.forwarding.ipvsadmName, 7) + " "
                             + pad("\(destination.weight)", 6) + " " + pad("\(counts.active)", 10) + " " + pad("\(counts.inactive)", 10))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func serviceLine(_ service: VirtualService) -> String {
        var line: String
        switch service.key {
        case let .endpoint(proto, endpoint):
            line = proto.rawValue.uppercased() + "  " + endpoint.description + " " + service.scheduler
        case let .firewallMark(mark, family):
            line = "FWM  \(mark)\(family == .inet6 ? " IPv6" : "") " + service.scheduler
        }
        if service.flags & 0x1 != 0 {
            line += " persistent \(service.persistenceTimeout)"
        }
        return line
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}

/// The kernel table as JSON for scripts.
enum IPVSTableJSON {
    struct Service: Encodable {
        var `protocol`: String?
        var address: String?
        var port: UInt16?
        var firewallMark: UInt32?
        var scheduler: String
        var flags: UInt32
        var persistenceTimeout: UInt32
        var realServers: [RealServer]
    }

    struct RealServer: Encodable {
        var address: String
        var port: UInt16
        var forwarding: String
        var weight: UInt32
        var activeConnections: UInt32
        var inactiveConnections: UInt32
    }

    static func render(_ tables: [KernelServiceTable]) throws -> String {
        let services = tables.map { table -> Service in
            var service = Service(scheduler: table.service.scheduler, flags: table.service.flags,
                                  persistenceTimeout: table.service.persistenceTimeout, realServers: [])
            switch table.service.key {
            case let .endpoint(proto, endpoint):
                service.protocol = proto.rawValue
                service.address = endpoint.address.description
                service.port = endpoint.port
            case let .firewallMark(mark, _):
                service.firewallMark = mark
            }
            service.realServers = table.destinations.map {
                RealServer(address: $0.endpoint.address.description, port: $0.endpoint.port,
                           forwarding: $0.forwarding.rawValue, weight: $0.weight,
                           activeConnections: $0.connections?.active ?? 0,
                           inactiveConnections: $0.connections?.inactive ?? 0)
            }
            return service
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(["services": services]), as: UTF8.self) + "\n"
    }
}
