import LVSModel

/// One change to the kernel's table.
public enum PoolOperation: Hashable, Sendable, CustomStringConvertible {
    case addService(VirtualService)
    case editService(VirtualService)
    case addRealServer(Destination, name: String)
    case editRealServer(Destination, name: String, previousWeight: UInt32)
    case removeRealServer(SocketEndpoint)

    /// The real server the operation changes, if it changes one.
    public var realServer: SocketEndpoint? {
        switch self {
        case .addRealServer(let destination, _), .editRealServer(let destination, _, _): return destination.endpoint
        case .removeRealServer(let endpoint): return endpoint
        case .addService, .editService: return nil
        }
    }

    public var description: String {
        switch self {
        case .addService(let service): return "add service \(service.key) scheduler \(service.scheduler)"
        case .editService(let service): return "edit service \(service.key) scheduler \(service.scheduler)"
        case let .addRealServer(destination, name):
            return "add \(name) \(destination.endpoint) \(destination.forwarding.ipvsadmName) weight \(destination.weight)"
        case let .editRealServer(destination, name, previous):
            return "edit \(name) \(destination.endpoint) weight \(previous) -> \(destination.weight)"
        case .removeRealServer(let endpoint): return "remove \(endpoint)"
        }
    }
}

/// The smallest list of operations that turns what the kernel holds into what is desired.
public enum PoolReconciliation {
    /// - Parameters:
    ///   - service: the virtual service as configured.
    ///   - members: the desired pool.
    ///   - current: the service as the kernel holds it, nil if absent.
    ///   - currentDestinations: its real servers in the kernel.
    /// - Returns: service changes first, then additions and edits, removals last, so that the
    ///   pool never shrinks below what both the old and the new state allow.
    public static func plan(service: VirtualService, members: [PoolMember], current: VirtualService?,
                            currentDestinations: [Destination]) -> [PoolOperation] {
        var operations: [PoolOperation] = []
        if let current {
            if !sameSettings(current, service) { operations.append(.editService(service)) }
        } else {
            operations.append(.addService(service))
        }
        let existing = Dictionary(currentDestinations.map { ($0.endpoint, $0) }, uniquingKeysWith: { first, _ in first })
        let wanted = Set(members.map(\.endpoint))
        for member in members {
            let desired = Destination(endpoint: member.endpoint, forwarding: member.forwarding, weight: member.weight)
            if let present = existing[member.endpoint] {
                if present.weight != desired.weight || present.forwarding != desired.forwarding
                    || present.upperThreshold != desired.upperThreshold || present.lowerThreshold != desired.lowerThreshold {
                    operations.append(.editRealServer(desired, name: member.name, previousWeight: present.weight))
                }
            } else {
                operations.append(.addRealServer(desired, name: member.name))
            }
        }
        for destination in currentDestinations.sorted(by: { $0.endpoint < $1.endpoint })
        where !wanted.contains(destination.endpoint) {
            operations.append(.removeRealServer(destination.endpoint))
        }
        return operations
    }

    private static func sameSettings(_ lhs: VirtualService, _ rhs: VirtualService) -> Bool {
        lhs.scheduler == rhs.scheduler && lhs.flags.settable == rhs.flags.settable
            && lhs.persistenceTimeout == rhs.persistenceTimeout && lhs.netmask == rhs.netmask
            && lhs.persistenceEngine == rhs.persistenceEngine
    }
}
