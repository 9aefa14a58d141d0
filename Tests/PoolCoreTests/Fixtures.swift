import LVSModel
@testable import PoolCore

func ip(_ text: String) -> IPAddress { IPAddress(text)! }
func at(_ address: String, _ port: UInt16 = 5432) -> SocketEndpoint { SocketEndpoint(address: ip(address), port: port) }

func replica(_ name: String, _ address: String?, state: String = "streaming", sync: String = "async",
             lag: Int64? = 0, lagSeconds: Double? = nil) -> ReplicaObservation {
    ReplicaObservation(name: name, address: address.map(ip), state: state, syncState: sync,
                       replayLagBytes: lag, replayLagSeconds: lagSeconds)
}

/// Drives a tracker cycle by cycle with a one-second clock.
struct PoolRun {
    var tracker: PoolTracker
    var policy: PoolPolicy
    var now: Double = 0
    var connections: [SocketEndpoint: ConnectionCounts] = [:]
    var maintenance: [String: MaintenanceMode] = [:]
    var maintenanceUnreadable: String?
    var primary: SocketEndpoint? = at("10.0.0.11")
    var timeline: Int?

    init(policy: PoolPolicy = PoolPolicy(rise: 1, fall: 1, removal: .delete), adopting: [Destination] = []) {
        self.policy = policy
        self.tracker = PoolTracker(adopting: adopting)
    }

    /// Rows the writer reports are probed too: unless a test says otherwise for an endpoint
    /// (`probes`), each row's own probe answers as a caught-up standby, as a healthy one does.
    @discardableResult
    mutating func cycle(_ writer: WriterView, probes: [SocketEndpoint: ReplicaProbe] = [:],
                        staticCandidates: [StaticCandidate] = [], discovery: CandidateDiscovery = .writer,
                        virtualAddress: IPAddress? = nil) -> CycleResult {
        now += 1
        var probes = probes
        if case .reachable(let rows) = writer {
            for row in rows {
                guard let address = row.address else { continue }
                let endpoint = SocketEndpoint(address: address, port: policy.realServerPort)
                if probes[endpoint] == nil { probes[endpoint] = .standby(replayDelaySeconds: 0) }
            }
        }
        return tracker.cycle(CycleInput(now: now, writer: writer, probes: probes, staticCandidates: staticCandidates,
                                        discovery: discovery, connections: connections, maintenance: maintenance,
                                        maintenanceUnreadable: maintenanceUnreadable,
                                        primary: primary, virtualAddress: virtualAddress, writerTimeline: timeline),
                           policy: policy)
    }

    mutating func rows(_ rows: ReplicaObservation..., probes: [SocketEndpoint: ReplicaProbe] = [:]) -> CycleResult {
        cycle(.reachable(rows), probes: probes)
    }
}

extension CycleResult {
    /// "address weight" per member, the way the lab prints the kernel's pool.
    var pool: [String] { members.map { "\($0.endpoint.address) \($0.weight)" } }
}
