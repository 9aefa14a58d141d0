import LVSModel
import PoolCore

/// One service's share of the round: its tracker decides the pool, the changes worth a line
/// are said, and the kernel operations are planned with their cause.
extension RoundDecider {
    mutating func decide(_ service: ServicePolicy, writer: WriterFacts?, plan: CandidatePlan, current: KernelService,
                         _ observation: RoundObservation) -> ServiceDecision {
        let now = observation.now
        // Start-up adoption: what the kernel holds is the pool until the rounds say otherwise.
        var tracker = trackers[service.name] ?? PoolTracker(adopting: current.destinations, now: now)
        let input = CycleInput(
            now: now,
            writer: writer != nil ? .reachable(plan.rows)
                : .unavailable(writerHealth.problem.text ?? "waiting for the writer's first answer"),
            probes: observation.probes, staticCandidates: plan.statics, discovery: service.discovery,
            connections: Dictionary(current.destinations.compactMap { d in d.connections.map { (d.endpoint, $0) } },
                                    uniquingKeysWith: { first, _ in first }),
            maintenance: observation.maintenance.marks, maintenanceUnreadable: observation.maintenance.unreadable,
            primary: writer?.serverAddress.flatMap { IPAddress($0) }
                .map { SocketEndpoint(address: $0, port: service.policy.realServerPort) },
            virtualAddress: service.virtualAddress, allowedNetworks: service.allowedNetworks,
            writerTimeline: writer?.timeline, cascadedRows: plan.cascadedRows, standbyStreams: plan.standbyStreams)
        let result = tracker.cycle(input, policy: service.policy)
        trackers[service.name] = tracker
        results[service.name] = result
        noteDepartures(service.name, result.transitions, now: now)

        var burst = LogBurstLimit()
        var events: [RoundEvent] = []
        for transition in result.transitions where burst.admits(transition.kind.logKind, "\(transition)") {
            // Each change carries what `journalctl PGLVSD_…=` searches by: the server, its
            // weight after the change, and why it left.
            var metadata = [
                "real_server": "\(transition.endpoint)", "real_server.name": "\(transition.name)",
                "weight": "\(result.members.first { $0.endpoint == transition.endpoint }?.weight ?? 0)",
            ]
            if let reason = transition.reason { metadata["reason"] = "\(reason)" }
            events.append(RoundEvent(.info, "\(transition)", metadata: metadata))
        }
        noteWarnings(service.name, result.warnings, events: &events)
        noteExclusions(service.name, result.exclusions, events: &events, burst: &burst)
        return ServiceDecision(name: service.name, key: service.service.key, result: result, events: events,
                               steps: steps(service, result, current), burst: burst)
    }

    /// The fewest operations that turn the kernel's entries into the decided pool
    /// (`PoolReconciliation`), each with why it is needed: an operation while the decision
    /// stood still is drift, someone edited the table outside pglvsd.
    private mutating func steps(_ service: ServicePolicy, _ result: CycleResult, _ current: KernelService) -> [KernelStep] {
        let stoodStill = lastMembers[service.name] == result.members
        lastMembers[service.name] = result.members
        let explained = Set(result.transitions.map(\.endpoint))
        return PoolReconciliation.plan(service: service.service, members: result.members, current: current.service,
                                       currentDestinations: current.destinations).map { operation in
            KernelStep(operation, cause: KernelStep.cause(of: operation, explained: explained, decisionStoodStill: stoodStill))
        }
    }

    /// A pool warning (below min_pool, no fallback) is said when it starts or its text
    /// changes, and once when it clears: a director whose writer is away for minutes logs two
    /// lines, not one per round. `pglvsd status` and the metrics show it for as long as it holds.
    private mutating func noteWarnings(_ service: String, _ warnings: [String], events: inout [RoundEvent]) {
        let (raised, cleared) = poolWarnings[service, default: StandingProblems()].update(warnings)
        for warning in raised { events.append(RoundEvent(.warning, warning)) }
        for warning in cleared { events.append(RoundEvent(.info, "pool warning cleared: \(warning)")) }
    }

    static let rememberedReasons = 8

    /// Who left the pool lately (`recentlyDeparted`, aged in `decide`); a server that joins again
    /// is no longer one.
    private mutating func noteDepartures(_ service: String, _ transitions: [PoolTransition], now: Double) {
        var departed = departures[service] ?? [:]
        for transition in transitions {
            switch transition.kind {
            case .left, .drained: departed[transition.endpoint] = now
            case .joined: departed[transition.endpoint] = nil
            case .draining, .fallbackStarted, .fallbackEnded: break
            }
        }
        departures[service] = departed.isEmpty ? nil : departed
    }

    /// An exclusion is said when it starts or turns to a kind of reason (`ExclusionReason.kind`)
    /// not yet said while the server has been out, not every round: a server whose reasons take
    /// turns (pg_basebackup's two rows of one name, one in state backup and one streaming; a
    /// setup that hangs, "unproven" then "probe failed" each round) says each once. At most
    /// `rememberedReasons` kinds are kept per server; past them the memory starts again.
    private mutating func noteExclusions(_ service: String, _ exclusions: [Exclusion], events: inout [RoundEvent],
                                         burst: inout LogBurstLimit) {
        let previous = lastExclusions[service] ?? [:]
        var current: [String: Set<ExclusionReason>] = [:]
        for exclusion in exclusions {
            let kind = exclusion.reason.kind
            var said = current[exclusion.name] ?? previous[exclusion.name] ?? []
            guard said.insert(kind).inserted else {
                current[exclusion.name] = said
                continue
            }
            current[exclusion.name] = said.count > Self.rememberedReasons ? [kind] : said
            if burst.admits("servers not serving", "\(exclusion.name): \(exclusion.reason)") {
                events.append(RoundEvent(.info, "not serving: \(exclusion.name): \(exclusion.reason)",
                                         metadata: ["real_server.name": "\(exclusion.name)", "reason": "\(exclusion.reason)"]))
            }
        }
        lastExclusions[service] = current
    }
}
