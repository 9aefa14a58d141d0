import LVSModel

/// Everything one cycle brings in for one virtual service.
public struct CycleInput: Sendable {
    /// Monotonic seconds; only differences matter.
    public var now: Double
    public var writer: WriterView
    /// Each candidate's own probe, by endpoint; a missing entry means not probed.
    public var probes: [SocketEndpoint: ReplicaProbe]
    /// Servers named in the configuration (the seed's method 2).
    public var staticCandidates: [StaticCandidate]
    public var discovery: CandidateDiscovery
    /// Connection counts of the servers the kernel holds (to finish draining).
    public var connections: [SocketEndpoint: ConnectionCounts]
    /// Operator marks by server name or address (any of a server's names, see ServerIdentity).
    public var maintenance: [String: MaintenanceMode]
    /// Why the marks could not be read, when no marks were ever read (at start): then any
    /// server might be drained or excluded, and none joins or returns until they can be read
    /// (fail closed: joining would undrain it). Servers in the pool keep their place.
    public var maintenanceUnreadable: String?
    /// Where the writer serves reads from, for fallback_to_primary.
    public var primary: SocketEndpoint?
    /// The virtual service's own address, which no real server may have.
    public var virtualAddress: IPAddress?
    /// Where servers named by the writer's rows may be (nil: anywhere); listed servers are not bounded.
    public var allowedNetworks: [IPNetwork]?
    /// The writer's timeline (nil if unknown): a new one is a promotion, after which replicas
    /// re-attach.
    public var writerTimeline: Int?
    /// discovery: cascade — rows of the answering standbys' own pg_stat_replication, lag
    /// measured against the writer's position; the writer's rows win for a server in both.
    public var cascadedRows: [ReplicaObservation]
    /// discovery: cascade — each answering standby's account of its own stream.
    public var standbyStreams: [SocketEndpoint: StandbyStream]

    public init(now: Double, writer: WriterView, probes: [SocketEndpoint: ReplicaProbe] = [:],
                staticCandidates: [StaticCandidate] = [], discovery: CandidateDiscovery = .writer,
                connections: [SocketEndpoint: ConnectionCounts] = [:], maintenance: [String: MaintenanceMode] = [:],
                maintenanceUnreadable: String? = nil,
                primary: SocketEndpoint? = nil, virtualAddress: IPAddress? = nil, allowedNetworks: [IPNetwork]? = nil,
                writerTimeline: Int? = nil, cascadedRows: [ReplicaObservation] = [],
                standbyStreams: [SocketEndpoint: StandbyStream] = [:]) {
        self.cascadedRows = cascadedRows
        self.standbyStreams = standbyStreams
        self.writerTimeline = writerTimeline
        self.maintenanceUnreadable = maintenanceUnreadable
        self.allowedNetworks = allowedNetworks
        self.now = now
        self.writer = writer
        self.probes = probes
        self.staticCandidates = staticCandidates
        self.discovery = discovery
        self.connections = connections
        self.maintenance = maintenance
        self.primary = primary
        self.virtualAddress = virtualAddress
    }
}

/// A change in a server's place in the pool, for the log.
public struct PoolTransition: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        case joined
        case left(ExclusionReason)
        case draining(ExclusionReason)
        case drained
        case fallbackStarted
        case fallbackEnded
    }

    public var name: String
    public var endpoint: SocketEndpoint
    public var kind: Kind

    /// Why a server left or is draining; nil for the other transitions.
    public var reason: ExclusionReason? {
        switch kind {
        case .left(let reason), .draining(let reason): return reason
        case .joined, .drained, .fallbackStarted, .fallbackEnded: return nil
        }
    }

    public var description: String {
        switch kind {
        case .joined: return "\(name) \(endpoint) joined the pool"
        case .left(let reason): return "\(name) \(endpoint) left the pool: \(reason)"
        case .draining(let reason): return "\(name) \(endpoint) is draining (weight 0): \(reason)"
        case .drained: return "\(name) \(endpoint) drained and removed"
        case .fallbackStarted: return "no replica is eligible: the primary \(endpoint) serves reads (fallback)"
        case .fallbackEnded: return "a replica is eligible again: the primary \(endpoint) leaves the pool"
        }
    }
}

/// The outcome of one cycle.
public struct CycleResult: Hashable, Sendable {
    /// What the kernel should hold, in endpoint order.
    public var members: [PoolMember]
    public var transitions: [PoolTransition]
    /// Servers observed but not serving, with the reason.
    public var exclusions: [Exclusion]
    /// Conditions worth a warning every cycle they hold (a pool below min_pool).
    public var warnings: [String]
}

/// A server the tracker remembers between cycles.
public struct TrackedServer: Hashable, Sendable {
    public enum Status: Hashable, Sendable {
        case inPool
        case draining(since: Double, reason: ExclusionReason)
        case out
    }

    public var name: String
    /// Its other names when last listed (see ServerIdentity).
    public var aliases: [String] = []
    public var endpoint: SocketEndpoint
    public var status: Status
    public var goodStreak = 0
    public var badStreak = 0
    public var lastReason: ExclusionReason?
    public var lastSeenByWriter: Double?
    /// When the server last joined, started draining or left (the caller's clock).
    public var lastChange: Double?
    public var lagBytes: Int64?
    /// Last found in a standby's pg_stat_replication rather than the writer's (cascade).
    public var cascaded = false

    public var identity: ServerIdentity {
        ServerIdentity(address: endpoint.address, preferred: name, others: aliases)
    }
}

/// Rise/fall, draining, fail-static and fallback: the pool's memory from cycle to cycle.
/// Pure: the caller brings observations and the clock; the tracker never does I/O.
public struct PoolTracker: Hashable, Sendable {
    public private(set) var servers: [SocketEndpoint: TrackedServer] = [:]
    public private(set) var fallbackActive = false
    private var fallbackSince: Double?
    private var writerTimeline: Int?
    /// When the writer's timeline last changed (a promotion), on the caller's clock.
    private var promotedAt: Double?

    /// Adopts what the kernel already holds, so a restart neither flushes nor re-adds: servers
    /// with weight are in the pool, weight-0 ones count as draining. They count as seen by the
    /// writer now (the daemon before this one put them there on its word): while the writer's
    /// rows cannot be matched to them yet (names still being looked up), a server whose own
    /// probe answers as a standby keeps its place for reattach_grace instead of counting fall.
    public init(adopting destinations: [Destination] = [], names: [SocketEndpoint: String] = [:], now: Double = 0) {
        for destination in destinations {
            let name = names[destination.endpoint] ?? destination.endpoint.address.description
            var server = TrackedServer(
                name: name, endpoint: destination.endpoint,
                status: destination.weight > 0 ? .inPool : .draining(since: now, reason: .notInReplication),
                lastChange: now)
            server.lastSeenByWriter = now
            servers[destination.endpoint] = server
        }
    }

    /// True while some server is between states: in the pool with failures short of fall, or
    /// out with successes short of rise. The caller observes faster then (HAProxy's fastinter).
    public func isSettling(policy: PoolPolicy) -> Bool {
        servers.values.contains { server in
            switch server.status {
            case .inPool: return server.badStreak > 0 && server.badStreak < policy.fall
            case .out: return server.goodStreak > 0 && server.goodStreak < policy.rise
            case .draining: return false
            }
        }
    }

    public mutating func cycle(_ input: CycleInput, policy: PoolPolicy) -> CycleResult {
        if let timeline = input.writerTimeline {
            if let previous = writerTimeline, previous != timeline { promotedAt = input.now }
            writerTimeline = timeline
        }
        var transitions: [PoolTransition] = []
        var exclusions: [Exclusion] = []
        let candidates = gatherCandidates(input, policy: policy, exclusions: &exclusions)

        // Rise/fall on every server with a verdict.
        for candidate in candidates {
            var server = servers[candidate.endpoint]
                ?? TrackedServer(name: candidate.name, endpoint: candidate.endpoint, status: .out)
            server.name = candidate.identity.name
            server.aliases = candidate.identity.aliases
            if candidate.seenByWriter { server.lastSeenByWriter = input.now }
            if let cascaded = candidate.cascaded { server.cascaded = cascaded }
            let verdict = ProbeGate.admit(candidate.verdict, probe: input.probes[candidate.endpoint], status: server.status)
            let held = apply(verdict, to: &server, now: input.now, policy: policy, mayJoin: input.maintenanceUnreadable == nil,
                             transitions: &transitions)
            if held, let problem = input.maintenanceUnreadable {
                exclusions.append(Exclusion(name: candidate.name, reason: .maintenanceUnknown(problem)))
            }
            switch verdict {
            case .bad(let reason), .gone(let reason): exclusions.append(Exclusion(name: candidate.name, reason: reason))
            case .promoted: exclusions.append(Exclusion(name: candidate.name, reason: .notAStandby))
            case .neutral where verdict != candidate.verdict:
                exclusions.append(Exclusion(name: candidate.name, reason: .unproven))
            case .good, .neutral: break
            }
            servers[candidate.endpoint] = server
        }

        // Draining servers leave the kernel once idle or after drain_timeout; servers that are
        // out and no longer observed are forgotten.
        let observed = Set(candidates.map(\.endpoint))
        for (endpoint, var server) in servers {
            if case .draining(let since, _) = server.status {
                let counts = input.connections[endpoint]
                let idle = counts.map { $0.active + $0.inactive == 0 } ?? true
                if idle || input.now - since >= policy.drainTimeoutSeconds {
                    server.status = .out
                    server.lastChange = input.now
                    transitions.append(PoolTransition(name: server.name, endpoint: endpoint, kind: .drained))
                }
            }
            if server.status == .out && !observed.contains(endpoint) {
                servers[endpoint] = nil
            } else {
                servers[endpoint] = server
            }
        }

        var members = membersFromServers(input, policy: policy, exclusions: &exclusions)
        applyFallback(input, policy: policy, members: &members, transitions: &transitions)
        // By name, the reason's text only between equal names: building it in every comparison
        // cost seconds per cycle with thousands of servers.
        exclusions.sort { $0.name != $1.name ? $0.name < $1.name : $0.reason.description < $1.reason.description }

        var warnings: [String] = []
        if policy.fallbackToPrimary, let problem = fallbackProblem(input) { warnings.append(problem) }
        let weighted = members.filter { $0.weight > 0 }.count
        if weighted < policy.minPool {
            warnings.append("the pool has \(weighted) weighted real server(s), below min_pool \(policy.minPool)")
        }
        return CycleResult(members: members.sorted { $0.endpoint < $1.endpoint }, transitions: transitions,
                           exclusions: exclusions, warnings: warnings)
    }

    // MARK: Candidates

    /// Just after a promotion every replica re-attaches to the new writer, its row in startup or
    /// catchup for a moment: a member whose own probe answers as a standby keeps its place
    /// (neutral) for reattach_grace after the writer's timeline changed, instead of counting
    /// fall - with fall 2 on fast rounds, all of them could leave at once and empty the pool.
    private func reattaching(_ verdict: Verdict, at endpoint: SocketEndpoint, _ input: CycleInput,
                             _ policy: PoolPolicy) -> Verdict {
        guard case .bad(.notStreaming(let state)) = verdict, state == "startup" || state == "catchup",
              let promotedAt, input.now - promotedAt <= policy.reattachGraceSeconds,
              servers[endpoint]?.status == .inPool,
              case .standby? = input.probes[endpoint] else { return verdict }
        return .neutral
    }

    private func gatherCandidates(_ input: CycleInput, policy: PoolPolicy, exclusions: inout [Exclusion]) -> [Candidate] {
        var candidates: [SocketEndpoint: Candidate] = [:]
        let usesWriter = input.discovery.readsWriter
        var writerAvailable = false

        if usesWriter, case .reachable(let rows) = input.writer {
            writerAvailable = true
            addRows(rows, cascaded: false, input, policy, to: &candidates, exclusions: &exclusions)
            if input.discovery == .cascade { addCascade(input, policy, to: &candidates, exclusions: &exclusions) }
        }

        if input.discovery.readsList {
            for candidate in input.staticCandidates {
                guard let address = candidate.address else {
                    exclusions.append(Exclusion(name: candidate.name, reason: .unresolvedAddress))
                    continue
                }
                let endpoint = SocketEndpoint(address: address, port: policy.realServerPort)
                if let known = candidates[endpoint] {
                    candidates[endpoint]?.identity = known.identity.adding(candidate.name)
                    continue
                }
                let verdict: Verdict
                if let refused = unusable(endpoint, input, policy) {
                    verdict = refused
                } else if input.discovery == .static {
                    // The seed's method 2: the server's own pg_is_in_recovery() decides.
                    switch input.probes[endpoint] {
                    case .standby?: verdict = .good(lagBytes: nil)
                    case .connecting?: verdict = .neutral
                    case nil: verdict = .bad(.probeFailed("not probed"))
                    case let probe?: verdict = CandidateEvaluation.apply(probe, to: .neutral)
                    }
                } else {
                    verdict = ownStream(of: servers[endpoint], input, policy, writerAvailable: writerAvailable)
                        ?? CandidateEvaluation.judgeMissing(
                            probe: input.probes[endpoint], writerAvailable: writerAvailable,
                            lastSeenByWriter: servers[endpoint]?.lastSeenByWriter, now: input.now, policy: policy)
                }
                candidates[endpoint] = Candidate(identity: ServerIdentity(address: address, preferred: candidate.name),
                                                 endpoint: endpoint, verdict: verdict, seenByWriter: false)
            }
        }

        // Servers in the pool (or draining) that no source lists this cycle.
        for (endpoint, server) in servers where candidates[endpoint] == nil && server.status != .out {
            let verdict = unusable(endpoint, input, policy) ?? ownStream(of: server, input, policy, writerAvailable: writerAvailable)
                ?? CandidateEvaluation.judgeMissing(
                probe: input.probes[endpoint], writerAvailable: writerAvailable || !usesWriter,
                lastSeenByWriter: server.lastSeenByWriter, now: input.now, policy: policy)
            candidates[endpoint] = Candidate(identity: server.identity, endpoint: endpoint, verdict: verdict, seenByWriter: false)
        }
        return Array(candidates.values)
    }

    /// Rows of pg_stat_replication (the writer's, or cascaded: the standbys'), one verdict per
    /// real server on its best row, the other rows lending it their names. A server already a
    /// candidate keeps its verdict (the writer's rows come first).
    private func addRows(_ rows: [ReplicaObservation], cascaded: Bool, _ input: CycleInput, _ policy: PoolPolicy,
                         to candidates: inout [SocketEndpoint: Candidate], exclusions: inout [Exclusion]) {
        for row in rows where row.address == nil {
            if policy.acceptedStates.contains(row.state) {
                exclusions.append(Exclusion(name: row.name, reason: .unresolvedAddress))
            } else {
                exclusions.append(Exclusion(name: row.name, reason: .notStreaming(state: row.state)))
            }
        }
        for server in RowChoice.byServer(rows, policy: policy) where candidates[server.endpoint] == nil {
            let identity = server.identity
            for other in server.others where other.name != identity.name && other.name != server.chosen.name {
                exclusions.append(Exclusion(name: other.name, reason: .duplicateOf(identity.name)))
            }
            let probe = input.probes[server.endpoint]
            let judged = cascaded
                ? CandidateEvaluation.judgeCascaded(server.chosen, stream: standbyStream(at: server.endpoint, input),
                                                    replayDelay: probe?.replayDelay, writerTimeline: writerTimeline,
                                                    reattaching: justPromoted(server.endpoint, input, policy), policy: policy)
                : CandidateEvaluation.judge(server.chosen, policy: policy)
            let verdict = unusable(server.endpoint, input, policy)
                ?? reattaching(CandidateEvaluation.apply(probe, to: judged), at: server.endpoint, input, policy)
            candidates[server.endpoint] = Candidate(identity: identity, endpoint: server.endpoint, verdict: verdict,
                                                    seenByWriter: !cascaded, cascaded: cascaded)
        }
    }

    /// Cascade discovery, breadth first from the writer's rows: a standby's rows count only
    /// while that standby is itself a candidate vouched for this cycle (a good verdict, its own
    /// probe a standby). A chain that never reaches the writer — two standbys naming each other,
    /// one following an old primary — names nobody.
    private func addCascade(_ input: CycleInput, _ policy: PoolPolicy, to candidates: inout [SocketEndpoint: Candidate],
                            exclusions: inout [Exclusion]) {
        var rowsByUpstream: [SocketEndpoint: [ReplicaObservation]] = [:]
        for row in input.cascadedRows {
            if let upstream = row.upstream { rowsByUpstream[upstream, default: []].append(row) }
        }
        var upstreams = candidates.values.filter { vouched($0, input) }.map(\.endpoint)
        for _ in 0..<PoolTracker.maximumCascadeDepth where !upstreams.isEmpty && !rowsByUpstream.isEmpty {
            let rows = upstreams.sorted().flatMap { rowsByUpstream.removeValue(forKey: $0) ?? [] }
            let known = Set(candidates.keys)
            addRows(rows, cascaded: true, input, policy, to: &candidates, exclusions: &exclusions)
            upstreams = candidates.values.filter { !known.contains($0.endpoint) && vouched($0, input) }.map(\.endpoint)
        }
    }

    /// Levels of standbys streaming from standbys followed from the writer.
    public static let maximumCascadeDepth = 8

    private func vouched(_ candidate: Candidate, _ input: CycleInput) -> Bool {
        guard case .good = candidate.verdict, case .standby? = input.probes[candidate.endpoint] else { return false }
        return true
    }

    /// A standby's own account of its stream, when its probe answered this round.
    private func standbyStream(at endpoint: SocketEndpoint, _ input: CycleInput) -> StandbyStream? {
        guard case .standby? = input.probes[endpoint] else { return nil }
        return input.standbyStreams[endpoint]
    }

    /// A member within reattach_grace of the writer's timeline changing.
    private func justPromoted(_ endpoint: SocketEndpoint, _ input: CycleInput, _ policy: PoolPolicy) -> Bool {
        servers[endpoint]?.status == .inPool && promotedAt.map { input.now - $0 <= policy.reattachGraceSeconds } == true
    }

    /// A cascaded member that no standby lists this cycle (its upstream died, or cannot be
    /// probed) is judged on its own stream while it answers as a standby: it leaves only when
    /// its own stream breaks or falls behind. Nil where that does not apply.
    private func ownStream(of server: TrackedServer?, _ input: CycleInput, _ policy: PoolPolicy,
                           writerAvailable: Bool) -> Verdict? {
        guard input.discovery == .cascade, let server, server.cascaded, server.status != .out, writerAvailable,
              let stream = standbyStream(at: server.endpoint, input) else { return nil }
        return CandidateEvaluation.judgeOwnStream(stream, name: server.name, replayDelay: input.probes[server.endpoint]?.replayDelay,
                                                  writerTimeline: writerTimeline,
                                                  reattaching: justPromoted(server.endpoint, input, policy), policy: policy)
    }

    /// An address no real server may have leaves at once, whoever named it; one the kernel
    /// already holds (adopted from an older version) has nothing worth draining.
    private func unusable(_ endpoint: SocketEndpoint, _ input: CycleInput, _ policy: PoolPolicy) -> Verdict? {
        // Listed: a literal address in real_servers (a listed host name resolves through DNS,
        // which stays bounded).
        let listed = input.discovery.readsList
            && input.staticCandidates.contains { $0.address == endpoint.address && IPAddress($0.name) != nil }
        guard let problem = RealServerAddressProblem.check(
            endpoint.address, virtualAddress: input.virtualAddress, allowedNetworks: listed ? nil : input.allowedNetworks,
            mixedFamilies: policy.forwarding == .tunnel) else { return nil }
        // Outside the allowed networks is a judgement of where a server may be, which a reload
        // or a changed interface can move: members leave through fall and the removal mode,
        // not all at once.
        if case .outsideAllowedNetworks = problem { return .bad(.unusableAddress(endpoint.address, problem)) }
        return .gone(.unusableAddress(endpoint.address, problem))
    }

    // MARK: Rise and fall

    /// Returns true when the server would have joined but `mayJoin` held it back.
    @discardableResult
    private func apply(_ verdict: Verdict, to server: inout TrackedServer, now: Double, policy: PoolPolicy,
                       mayJoin: Bool = true, transitions: inout [PoolTransition]) -> Bool {
        switch verdict {
        case .neutral:
            return false
        case .good(let lagBytes):
            server.goodStreak += 1
            server.badStreak = 0
            server.lastReason = nil
            server.lagBytes = lagBytes
            if server.status != .inPool && server.goodStreak >= policy.rise {
                guard mayJoin else { return true }
                server.status = .inPool
                server.lastChange = now
                transitions.append(PoolTransition(name: server.name, endpoint: server.endpoint, kind: .joined))
            }
        case .bad(let reason):
            server.badStreak += 1
            server.goodStreak = 0
            server.lastReason = reason
            if server.status == .inPool && server.badStreak >= policy.fall {
                leave(&server, reason: reason, drain: policy.removal == .quiesce, now: now, transitions: &transitions)
            }
        case .gone(let reason):
            server.badStreak = max(server.badStreak + 1, policy.fall)
            server.goodStreak = 0
            server.lastReason = reason
            // No session survives a dead postmaster: nothing to drain.
            if server.status != .out {
                leave(&server, reason: reason, drain: false, now: now, transitions: &transitions)
            }
        case .promoted:
            server.badStreak = max(server.badStreak + 1, policy.fall)
            server.goodStreak = 0
            server.lastReason = .notAStandby
            // A primary never takes new reads; its open sessions may finish (quiesce).
            if server.status == .inPool {
                leave(&server, reason: .notAStandby, drain: policy.removal == .quiesce, now: now, transitions: &transitions)
            }
        }
        return false
    }

    private func leave(_ server: inout TrackedServer, reason: ExclusionReason, drain: Bool, now: Double,
                       transitions: inout [PoolTransition]) {
        server.lastChange = now
        if drain {
            server.status = .draining(since: now, reason: reason)
            transitions.append(PoolTransition(name: server.name, endpoint: server.endpoint, kind: .draining(reason)))
        } else {
            server.status = .out
            transitions.append(PoolTransition(name: server.name, endpoint: server.endpoint, kind: .left(reason)))
        }
    }

    // MARK: Output

    private func membersFromServers(_ input: CycleInput, policy: PoolPolicy, exclusions: inout [Exclusion]) -> [PoolMember] {
        var members: [PoolMember] = []
        for server in servers.values {
            let mark = server.identity.mark(in: input.maintenance)
            if mark == .exclude {
                exclusions.append(Exclusion(name: server.name, reason: .maintenance))
                continue
            }
            let (listed, source) = policy.weight(of: server.identity)
            var member = PoolMember(name: server.name, endpoint: server.endpoint, weight: 0, weightSource: source,
                                    forwarding: policy.forwarding, lagBytes: server.lagBytes, since: server.lastChange)
            switch server.status {
            case .out:
                continue
            case .draining(_, let reason):
                member.role = .draining(reason)
            case .inPool:
                if mark == .drain {
                    member.role = .maintenance
                } else {
                    member.weight = policy.effectiveWeight(listed, lagBytes: server.lagBytes)
                }
            }
            members.append(member)
        }
        return members
    }

    /// Why the writer cannot serve reads as a fallback: it was reached at an address no real
    /// server may have (a writer conninfo to localhost).
    private func fallbackProblem(_ input: CycleInput) -> String? {
        guard let primary = input.primary,
              let problem = RealServerAddressProblem.check(primary.address, virtualAddress: input.virtualAddress) else { return nil }
        return "fallback_to_primary: the writer's \(ExclusionReason.unusableAddress(primary.address, problem))"
    }

    /// fallback_to_primary: the writer serves reads while no replica is weighted.
    private mutating func applyFallback(_ input: CycleInput, policy: PoolPolicy, members: inout [PoolMember],
                                        transitions: inout [PoolTransition]) {
        var writerReachable = false
        if case .reachable = input.writer { writerReachable = true }
        // Fallback starts only on a writer that answers; once on, it holds through fail-static.
        let needed = policy.fallbackToPrimary && !members.contains { $0.weight > 0 } && (writerReachable || fallbackActive)
        guard let primary = input.primary, fallbackProblem(input) == nil else {
            fallbackActive = false
            return
        }
        if needed {
            if !fallbackActive {
                transitions.append(PoolTransition(name: "primary", endpoint: primary, kind: .fallbackStarted))
                fallbackSince = input.now
            }
            fallbackActive = true
            members.removeAll { $0.endpoint == primary }
            members.append(PoolMember(name: "primary", endpoint: primary, weight: max(policy.defaultWeight, 1),
                                      weightSource: .defaultWeight, forwarding: policy.forwarding, role: .fallback,
                                      since: fallbackSince))
        } else if fallbackActive {
            fallbackActive = false
            transitions.append(PoolTransition(name: "primary", endpoint: primary, kind: .fallbackEnded))
        }
    }
}
