import LVSModel

/// A replica the pool should hold, and why it holds it with that weight.
public struct PoolMember: Hashable, Sendable, CustomStringConvertible {
    public var name: String
    public var endpoint: SocketEndpoint
    public var weight: UInt32
    public var weightSource: WeightSource
    public var forwarding: ForwardingMethod

    public var description: String { "\(name) \(endpoint) weight \(weight) (\(weightSource.rawValue))" }
}

/// Why an observed standby is not in the pool.
public enum ExclusionReason: Hashable, Sendable, CustomStringConvertible {
    /// Its name did not resolve to an address.
    case unresolvedAddress
    /// pg_stat_replication.state is not an accepted one (e.g. catchup, backup).
    case notStreaming(state: String)
    /// sync_state is not an accepted one.
    case syncStateNotAccepted(String)
    /// Another row already maps to the same real server.
    case duplicateOf(String)

    public var description: String {
        switch self {
        case .unresolvedAddress: return "unresolved address"
        case .notStreaming(let state): return "not streaming (state: \(state))"
        case .syncStateNotAccepted(let state): return "sync_state \(state) not accepted"
        case .duplicateOf(let name): return "same real server as \(name)"
        }
    }
}

/// An observed standby left out, with the reason.
public struct Exclusion: Hashable, Sendable {
    public var name: String
    public var reason: ExclusionReason
}

/// The desired pool of one virtual service: members in endpoint order, and every exclusion.
public struct PoolDecision: Hashable, Sendable {
    public var members: [PoolMember]
    public var exclusions: [Exclusion]

    /// Applies the policy to what the writer reported.
    public init(observations: [ReplicaObservation], policy: PoolPolicy) {
        var members: [SocketEndpoint: PoolMember] = [:]
        var exclusions: [Exclusion] = []
        // Name order makes the choice between duplicate rows deterministic.
        for observation in observations.sorted(by: { $0.name < $1.name }) {
            guard policy.acceptedStates.contains(observation.state) else {
                exclusions.append(Exclusion(name: observation.name, reason: .notStreaming(state: observation.state)))
                continue
            }
            guard policy.acceptedSyncStates.contains(observation.syncState) else {
                exclusions.append(Exclusion(name: observation.name, reason: .syncStateNotAccepted(observation.syncState)))
                continue
            }
            guard let address = observation.address else {
                exclusions.append(Exclusion(name: observation.name, reason: .unresolvedAddress))
                continue
            }
            let endpoint = SocketEndpoint(address: address, port: policy.realServerPort)
            if let existing = members[endpoint] {
                exclusions.append(Exclusion(name: observation.name, reason: .duplicateOf(existing.name)))
                continue
            }
            let (weight, source) = policy.weight(name: observation.name, address: address)
            members[endpoint] = PoolMember(name: observation.name, endpoint: endpoint, weight: weight,
                                           weightSource: source, forwarding: policy.forwarding)
        }
        self.members = members.values.sorted { $0.endpoint < $1.endpoint }
        self.exclusions = exclusions
    }
}
