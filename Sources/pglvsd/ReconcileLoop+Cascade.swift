import Configuration
import Dispatch
import LVSModel
import PoolCore
import Postgres

/// discovery: cascade — a standby streaming from another standby is in no row of the writer's
/// pg_stat_replication. Each standby that answers its probe also reports its own
/// pg_stat_replication and WAL receiver; its rows make candidates like the writer's, with lag
/// measured against the writer's position, and a cascaded member is then judged on its own
/// stream, so its upstream's fate does not decide its own.
extension ReconcileLoop {
    /// What cascade discovery adds to one service's cycle.
    struct Cascade {
        var rows: [ReplicaObservation] = []
        var streams: [SocketEndpoint: StandbyStream] = [:]
    }

    var cascades: Bool { configuration.cascades }

    /// Per cascade service: the rows of every standby that answered this round (on the
    /// service's real-server port) with the addresses known now, and each standby's own stream;
    /// which standbys' rows count is the core's to decide (those it reaches from the writer).
    /// `statuses`: the answers behind this round's probes. `writerPosition`: the writer's, read
    /// this round — against an older one a lag would be understated, so it is then unknown.
    func cascade(probes: [SocketEndpoint: ReplicaProbe], statuses: [SocketEndpoint: ReplicaStatus],
                 writerPosition position: WALPosition?) -> [String: Cascade] {
        dispatchPrecondition(condition: .onQueue(queue))
        guard cascades else { return [:] }
        var upstreams: [String: [(endpoint: SocketEndpoint, status: ReplicaStatus)]] = [:]
        var names = Set<AddressResolver.Name>()
        for service in configuration.virtualServices where service.discovery == .cascade {
            let answering = probes.compactMap { endpoint, probe -> (endpoint: SocketEndpoint, status: ReplicaStatus)? in
                guard case .standby = probe, endpoint.port == service.policy.realServerPort,
                      let status = statuses[endpoint] else { return nil }
                return (endpoint, status)
            }
            upstreams[service.name] = answering
            for sender in answering.flatMap(\.status.downstreams) {
                names.insert(AddressResolver.Name(name: candidateName(sender, service), family: service.service.key.family))
            }
        }
        // What is known now: a name new to the resolver is looked up for the next round.
        let addresses = resolver.knownAddresses(of: names)
        var cascades: [String: Cascade] = [:]
        for service in configuration.virtualServices where service.discovery == .cascade {
            var cascade = Cascade()
            for (endpoint, status) in upstreams[service.name] ?? [] {
                cascade.rows += status.downstreams.map { sender in
                    var row = observation(of: sender, for: service, addresses: addresses,
                                          lagBytes: ReconcileLoop.lag(of: sender.replayLSN, behind: position))
                    row.upstream = endpoint
                    return row
                }
                cascade.streams[endpoint] = StandbyStream(receiverStatus: status.receiverStatus, timeline: status.receiverTimeline,
                                                          lagBytes: ReconcileLoop.lag(of: status.replayLSN, behind: position))
            }
            cascades[service.name] = cascade
        }
        return cascades
    }

    /// Where the cascaded rows of the service's members point, for the probes: a standby not
    /// serving names nobody worth a connection (and allowed networks apply, as to the writer's rows).
    func endpoints(of cascades: [String: Cascade]) -> Set<SocketEndpoint> {
        dispatchPrecondition(condition: .onQueue(queue))
        var endpoints = Set<SocketEndpoint>()
        for service in configuration.virtualServices {
            guard let cascade = cascades[service.name], let tracker = trackers[service.name] else { continue }
            let listed = service.listedAddresses
            for row in cascade.rows {
                guard let upstream = row.upstream, tracker.servers[upstream]?.status == .inPool, let address = row.address,
                      mayProbe(address, of: service, listed: listed.contains(address)) else { continue }
                endpoints.insert(SocketEndpoint(address: address, port: service.policy.realServerPort))
            }
        }
        return endpoints
    }

    /// Bytes from a standby's replay position to the writer's; nil when either is unknown. The
    /// writer and the standby are read moments apart, so a standby ahead by what the writer may
    /// have written meanwhile counts as caught up; further ahead it is reported as ahead (-1).
    static func lag(of replay: String?, behind writer: WALPosition?) -> Int64? {
        guard let writer, let replay = replay.flatMap(WALPosition.init) else { return nil }
        let bytes = writer.bytes(since: replay)
        return bytes >= -ReconcileLoop.aheadTolerance ? max(0, bytes) : -1
    }

    /// What a writer may write between its report and a standby's answer in the same round.
    static let aheadTolerance: Int64 = 64 << 20
}
