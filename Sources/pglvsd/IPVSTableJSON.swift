import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
import IPVS
import LVSModel

/// The kernel table as JSON for scripts.
enum IPVSTableJSON {
    struct Table: Encodable {
        var services: [Service]
    }

    struct Service: Encodable {
        var `protocol`: String?
        var address: String?
        var port: UInt16?
        var firewallMark: UInt32?
        var family: String
        var scheduler: String
        var flags: UInt32
        var persistenceTimeout: UInt32
        var netmask: UInt32
        var persistenceEngine: String?
        var stats: Stats?
        var realServers: [RealServer]
    }

    struct RealServer: Encodable {
        var address: String
        var port: UInt16
        var forwarding: String
        var weight: UInt32
        var upperThreshold: UInt32
        var lowerThreshold: UInt32
        var tunnel: String?
        var activeConnections: UInt32
        var inactiveConnections: UInt32
        var persistentConnections: UInt32
        var stats: Stats?
    }

    struct Stats: Encodable {
        var connections, inPackets, outPackets, inBytes, outBytes: UInt64
        init(_ stats: TrafficStats) {
            connections = stats.connections
            inPackets = stats.inPackets
            outPackets = stats.outPackets
            inBytes = stats.inBytes
            outBytes = stats.outBytes
        }
    }

    static func render(_ tables: [KernelServiceTable]) throws -> String {
        let services = tables.map { table -> Service in
            let service = table.service
            var json = Service(family: service.key.family.rawValue, scheduler: service.scheduler,
                               flags: service.flags.settable.rawValue, persistenceTimeout: service.persistenceTimeout,
                               netmask: service.netmask, persistenceEngine: service.persistenceEngine,
                               stats: service.stats.map(Stats.init), realServers: [])
            switch service.key {
            case let .endpoint(proto, endpoint):
                json.protocol = proto.rawValue
                json.address = endpoint.address.description
                json.port = endpoint.port
            case let .firewallMark(mark, _):
                json.firewallMark = mark
            }
            json.realServers = table.destinations.map { destination in
                RealServer(address: destination.endpoint.address.description, port: destination.endpoint.port,
                           forwarding: destination.forwarding.rawValue, weight: destination.weight,
                           upperThreshold: destination.upperThreshold, lowerThreshold: destination.lowerThreshold,
                           tunnel: destination.tunnel.map { "\($0.encapsulation.rawValue)" },
                           activeConnections: destination.connections?.active ?? 0,
                           inactiveConnections: destination.connections?.inactive ?? 0,
                           persistentConnections: destination.connections?.persistent ?? 0,
                           stats: destination.stats.map(Stats.init))
            }
            return json
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(Table(services: services)), as: UTF8.self) + "\n"
    }
}
