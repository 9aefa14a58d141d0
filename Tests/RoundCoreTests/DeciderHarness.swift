import LVSModel
import PoolCore
@testable import RoundCore

func endpoint(_ last: UInt8) -> SocketEndpoint { SocketEndpoint(address: IPAddress("10.0.0.\(last)")!, port: 5432) }

func row(_ name: String, _ last: UInt8, state: String = "streaming", upstream: SocketEndpoint? = nil) -> ReplicaObservation {
    ReplicaObservation(name: name, address: IPAddress("10.0.0.\(last)")!, state: state, syncState: "async",
                       replayLagBytes: 0, replayLagSeconds: nil, upstream: upstream)
}

func standbys(_ lasts: UInt8...) -> [SocketEndpoint: ReplicaProbe] {
    Dictionary(uniqueKeysWithValues: lasts.map { (endpoint($0), ReplicaProbe.standby(replayDelaySeconds: 0)) })
}

let readerService = VirtualService(key: .endpoint(.tcp, SocketEndpoint(address: IPAddress("10.0.0.200")!, port: 5432)),
                                   scheduler: "wrr")

/// A decider with one service, "reader", and a kernel table in memory that takes every step
/// (as `RecordingIPVSTable` does for the daemon): what rounds decide, with a clock the test
/// turns. Pure: no table, no writer, no timer.
struct DeciderHarness {
    var decider = RoundDecider()
    var now = 0.0
    var policy = RoundPolicy(
        services: [ServicePolicy(name: "reader", service: readerService,
                                 policy: PoolPolicy(weights: ["node3": 3], rise: 1, fall: 1, removal: .delete),
                                 virtualAddress: IPAddress("10.0.0.200"))],
        writerAnswerLifetime: 3)
    /// The kernel's entries of "reader" (nil: the table does not hold it).
    var kernel = KernelService(service: nil)
    /// The writer's last answer.
    var writer: WriterSighting?
    var maintenance = MaintenanceObservation()

    /// One round `seconds` after the last: the writer (if `rows` is given) answers in it with
    /// `rows`; `probes` answer; every step is applied to `kernel`.
    @discardableResult
    mutating func round(after seconds: Double = 1, rows: [ReplicaObservation]? = nil,
                        probes: [SocketEndpoint: ReplicaProbe]? = nil, plan: CandidatePlan? = nil,
                        writerProblem: String? = nil) -> RoundDecision {
        now += seconds
        if let rows {
            writer = WriterSighting(answer: .report(WriterFacts(serverAddress: "10.0.0.100", timeline: 1)), at: now, fresh: true)
            lastRows = rows
        } else if let writerProblem {
            writer = WriterSighting(answer: .problem(writerProblem), at: now, fresh: true)
        } else {
            writer?.fresh = false
        }
        let probes = probes ?? Dictionary(lastRows.compactMap(\.address).map {
            (SocketEndpoint(address: $0, port: 5432), ReplicaProbe.standby(replayDelaySeconds: 0))
        }) { first, _ in first }
        let observation = RoundObservation(now: now, writer: writer, plans: ["reader": plan ?? CandidatePlan(rows: lastRows)],
                                           probes: probes, maintenance: maintenance, kernel: ["reader": kernel])
        let decision = decider.decide(observation, policy: policy)
        for step in decision[service: "reader"]?.steps ?? [] { apply(step.operation) }
        return decision
    }

    /// The rows the writer last listed (the plans are resolved from its last usable answer).
    var lastRows: [ReplicaObservation] = []

    /// The kernel's real servers of "reader", as `address weight`.
    var pool: [String] { kernel.destinations.map { "\($0.endpoint.address) \($0.weight)" } }

    mutating func apply(_ operation: PoolOperation) {
        switch operation {
        case .addService(let service), .editService(let service): kernel.service = service
        case .addRealServer(let destination, _): kernel.destinations.append(destination)
        case .editRealServer(let destination, _, _):
            kernel.destinations = kernel.destinations.map { $0.endpoint == destination.endpoint ? destination : $0 }
        case .removeRealServer(let endpoint): kernel.destinations.removeAll { $0.endpoint == endpoint }
        }
    }
}

extension RoundDecision {
    /// Every line of the round, the round's own first, then the service's.
    var lines: [String] { (events + services.flatMap(\.events)).map(\.message) }

    func steps(_ service: String = "reader") -> [KernelStep] { self[service: service]?.steps ?? [] }

    /// The lines the service's steps log once applied (all applied, in order).
    func stepLines(_ service: String = "reader") -> [String] {
        guard var burst = self[service: service]?.burst else { return [] }
        return steps(service).compactMap { $0.event(burst: &burst)?.message }
    }
}
