import LVSModel
import PoolCore

/// Everything one round saw, gathered by the daemon before anything is decided: the writer's
/// last answer, each service's candidates, the probes, the operators' marks, the kernel's
/// table and the clock. The decider reads nothing else.
public struct RoundObservation: Sendable {
    /// Monotonic seconds; only differences matter.
    public var now: Double
    /// The writer's last answer; nil until it has answered once.
    public var writer: WriterSighting?
    /// Each service's candidates, by service name.
    public var plans: [String: CandidatePlan]
    /// This round's probe results, by endpoint; a missing entry means not probed.
    public var probes: [SocketEndpoint: ReplicaProbe]
    public var maintenance: MaintenanceObservation
    /// Each service's entries in the kernel's table, by service name; nil when the table could
    /// not be read at all, and a service missing when its real servers could not be read (it
    /// is not decided this round).
    public var kernel: [String: KernelService]?

    public init(now: Double, writer: WriterSighting?, plans: [String: CandidatePlan],
                probes: [SocketEndpoint: ReplicaProbe] = [:], maintenance: MaintenanceObservation = MaintenanceObservation(),
                kernel: [String: KernelService]?) {
        self.now = now
        self.writer = writer
        self.plans = plans
        self.probes = probes
        self.maintenance = maintenance
        self.kernel = kernel
    }
}

/// The writer's last answer, and when it came.
public struct WriterSighting: Hashable, Sendable {
    public var answer: WriterAnswer
    /// When it came, on the round's clock.
    public var at: Double
    /// It came in this round.
    public var fresh: Bool

    public init(answer: WriterAnswer, at: Double, fresh: Bool) {
        self.answer = answer
        self.at = at
        self.fresh = fresh
    }

    /// What the writer's answer is worth now: one from this round, or an older one while it is
    /// younger than `lifetime` (the poll interval plus the writer timeout: a round that ended
    /// before a slow writer answered); after that the pools run fail-static.
    public func current(now: Double, lifetime: Double) -> WriterAnswer {
        let age = now - at
        if fresh || age <= lifetime { return answer }
        return .problem("writer unreachable: no answer from the writer for \(Int(age)) s")
    }
}

/// What the writer conninfo answered.
public enum WriterAnswer: Hashable, Sendable {
    /// A writer (not in recovery) reported.
    case report(WriterFacts)
    /// No writer answered: why, as the log says it.
    case problem(String)
}

/// What the decider needs of a writer's report besides its rows (which are in the plans).
public struct WriterFacts: Hashable, Sendable {
    /// The address the connection reached; nil over a Unix socket.
    public var serverAddress: String?
    /// The writer's timeline; a new one is a promotion.
    public var timeline: Int?

    public init(serverAddress: String?, timeline: Int?) {
        self.serverAddress = serverAddress
        self.timeline = timeline
    }
}

/// One service's candidates: the writer's rows and the static list with their addresses
/// resolved, and (discovery: cascade) the answering standbys' rows and streams, their lag
/// measured against the writer's position read this round.
public struct CandidatePlan: Hashable, Sendable {
    public var rows: [ReplicaObservation]
    public var statics: [StaticCandidate]
    public var cascadedRows: [ReplicaObservation]
    public var standbyStreams: [SocketEndpoint: StandbyStream]

    public init(rows: [ReplicaObservation] = [], statics: [StaticCandidate] = [],
                cascadedRows: [ReplicaObservation] = [], standbyStreams: [SocketEndpoint: StandbyStream] = [:]) {
        self.rows = rows
        self.statics = statics
        self.cascadedRows = cascadedRows
        self.standbyStreams = standbyStreams
    }
}

/// The operators' marks, or why they cannot be read.
public struct MaintenanceObservation: Hashable, Sendable {
    public var marks: [String: MaintenanceMode]
    /// Why no marks were ever read (the file cannot be read at start); nil when they were.
    public var unreadable: String?
    /// The marks' file, as the log names it.
    public var path: String

    public init(marks: [String: MaintenanceMode] = [:], unreadable: String? = nil, path: String = "maintenance.json") {
        self.marks = marks
        self.unreadable = unreadable
        self.path = path
    }
}

/// One virtual service as the kernel's table holds it.
public struct KernelService: Hashable, Sendable {
    /// Nil when the table does not hold the service.
    public var service: VirtualService?
    /// Its real servers, with their connection counts.
    public var destinations: [Destination]

    public init(service: VirtualService?, destinations: [Destination] = []) {
        self.service = service
        self.destinations = destinations
    }
}
