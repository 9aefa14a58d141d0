import LVSModel
import PoolCore

/// What the configuration says about deciding a round: each service's policy, in the
/// configuration's order, and how long a writer's answer serves.
public struct RoundPolicy: Sendable {
    public var services: [ServicePolicy]
    /// Seconds a writer's answer serves rounds that end before the writer answers again (the
    /// poll interval plus the writer timeout).
    public var writerAnswerLifetime: Double

    public init(services: [ServicePolicy], writerAnswerLifetime: Double) {
        self.services = services
        self.writerAnswerLifetime = writerAnswerLifetime
    }
}

/// One virtual service as the decider needs it.
public struct ServicePolicy: Sendable {
    public var name: String
    /// The service as it should be in the kernel's table.
    public var service: VirtualService
    public var policy: PoolPolicy
    public var discovery: CandidateDiscovery
    /// The service's own address, which no real server may have.
    public var virtualAddress: IPAddress?
    /// Where servers the writer's rows name may be (nil: anywhere).
    public var allowedNetworks: [IPNetwork]?

    public init(name: String, service: VirtualService, policy: PoolPolicy, discovery: CandidateDiscovery = .writer,
                virtualAddress: IPAddress? = nil, allowedNetworks: [IPNetwork]? = nil) {
        self.name = name
        self.service = service
        self.policy = policy
        self.discovery = discovery
        self.virtualAddress = virtualAddress
        self.allowedNetworks = allowedNetworks
    }
}
