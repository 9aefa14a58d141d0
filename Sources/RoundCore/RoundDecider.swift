import LVSModel
import PoolCore

/// The round's decision, pure: one `RoundObservation` and the configuration's policies in;
/// each service's pool, the kernel operations that bring the table to it, and the lines to log
/// out. Between rounds it remembers what deciding needs: each pool's tracker, the last decided
/// members (to tell drift from decided changes), the exclusions and warnings last said (to say
/// them only when they change), the writer's health and the marks' problem. It does no I/O and
/// reads no clock: the daemon gathers, calls `decide`, applies the steps, logs the events.
public struct RoundDecider: Sendable {
    public internal(set) var trackers: [String: PoolTracker] = [:]
    /// Each service's pool after its last decision (for status, metrics, the idle-session check).
    public internal(set) var results: [String: CycleResult] = [:]
    public internal(set) var writerHealth = WriterHealth()
    /// Why the operators' marks cannot be read, while they cannot.
    public private(set) var maintenanceProblem = RecurringProblem()
    /// Each service's decided members at its last decision.
    var lastMembers: [String: [PoolMember]] = [:]
    /// Per service, the kinds of reason said for each server while it has been left out.
    var lastExclusions: [String: [String: Set<ExclusionReason>]] = [:]
    /// Per service, the pool warnings standing now.
    var poolWarnings: [String: StandingProblems] = [:]
    /// Per service, servers that left its pool (or finished draining) and when.
    var departures: [String: [SocketEndpoint: Double]] = [:]

    /// How long a server that left a pool stays probed though no source lists it any more: a
    /// replica restarting is gone from the writer's rows until its WAL receiver is back, and
    /// with its probe connection already up again it joins on the rounds after its row returns
    /// rather than after a connection setup (a backend forked, TLS, SCRAM).
    public static let departedProbeSeconds = 60.0

    /// Per service, the servers that left its pool within `departedProbeSeconds`.
    public var recentlyDeparted: [String: Set<SocketEndpoint>] { departures.mapValues { Set($0.keys) } }

    public init() {}

    public mutating func decide(_ observation: RoundObservation, policy: RoundPolicy) -> RoundDecision {
        var decision = RoundDecision()
        // Aged here, before anything can skip a service (an unreadable kernel table).
        departures = departures.compactMapValues { departed in
            let recent = departed.filter { observation.now - $0.value < Self.departedProbeSeconds }
            return recent.isEmpty ? nil : recent
        }
        let writer = writerHealth.view(observation.writer?.current(now: observation.now, lifetime: policy.writerAnswerLifetime),
                                       events: &decision.events)
        noteMaintenance(observation.maintenance, events: &decision.events)
        guard let kernel = observation.kernel else { return decision }
        for service in policy.services {
            guard let current = kernel[service.name] else { continue }
            decision.services.append(decide(service, writer: writer, plan: observation.plans[service.name] ?? CandidatePlan(),
                                            current: current, observation))
        }
        return decision
    }

    /// A service no longer configured (a reload dropped it): its pool and what was said about
    /// it are forgotten; its kernel entries stay, and a service of its name configured again
    /// adopts them.
    public mutating func forget(_ name: String) {
        trackers[name] = nil
        results[name] = nil
        lastMembers[name] = nil
        lastExclusions[name] = nil
        poolWarnings[name] = nil
        departures[name] = nil
    }

    /// A file that cannot be read at start fails closed (see `CycleInput.maintenanceUnreadable`):
    /// said when it starts or changes, and once when the file can be read.
    private mutating func noteMaintenance(_ maintenance: MaintenanceObservation, events: inout [RoundEvent]) {
        guard let error = maintenance.unreadable else {
            if maintenanceProblem.end() {
                events.append(RoundEvent(.notice, "\(maintenance.path) can be read: servers may join the pool again"))
            }
            return
        }
        let problem = "cannot read \(maintenance.path): \(error)"
        if maintenanceProblem.recur(problem) {
            events.append(RoundEvent(.error, "\(problem); no marks were ever read, so no server joins or returns to the pool until it can be read (it might be drained)"))
        }
    }
}
