import LVSModel

/// An IPVS table in memory that records every change made to it: the daemon's loop runs
/// against it without a kernel (seesaw tests its engine against a do-nothing IPVS the same
/// way). Changes apply to the table, so a second round sees the first one's work, and fail as
/// the kernel's do (a service or real server that exists, or is missing), with the same errors.
public final class RecordingIPVSTable: IPVSTable {
    /// One change asked of the table, in the order asked.
    public enum Change: Hashable, Sendable {
        case addService(VirtualService)
        case editService(VirtualService)
        case deleteService(VirtualServiceKey)
        case addDestination(Destination, to: VirtualServiceKey)
        case editDestination(Destination, of: VirtualServiceKey)
        case deleteDestination(SocketEndpoint, from: VirtualServiceKey)
        case setTimeouts(IPVSTimeouts)
        case startSyncDaemon(SyncDaemon)
        case stopSyncDaemon(SyncDaemon.Role)
    }

    public var timeBudget: Duration?
    /// Every change asked so far (failed ones included), oldest first.
    public private(set) var changes: [Change] = []
    /// Services in the order added; their real servers in the order added.
    private var entries: [(service: VirtualService, destinations: [Destination])] = []
    private var connectionTimeouts: IPVSTimeouts?
    private var daemons: [SyncDaemon]

    /// - Parameter timeouts: what `timeouts()` answers; nil: reading them fails, as the
    ///   kernel's read can.
    public init(services: [(VirtualService, [Destination])] = [],
                timeouts: IPVSTimeouts? = IPVSTimeouts(tcp: 900, tcpFin: 120, udp: 300), syncDaemons: [SyncDaemon] = []) {
        entries = services.map { (service: $0.0, destinations: $0.1) }
        connectionTimeouts = timeouts
        daemons = syncDaemons
    }

    /// A copy of another table as it is now (the kernel's, for a dry run): its services, their
    /// real servers and, where they can be read, its timeouts.
    public convenience init(copying table: any IPVSTable) throws(IPVSError) {
        var copied: [(VirtualService, [Destination])] = []
        for service in try table.services() {
            copied.append((service, try table.destinations(of: service.key)))
        }
        self.init(services: copied, timeouts: try? table.timeouts(), syncDaemons: (try? table.syncDaemons()) ?? [])
    }

    /// Forgets the changes recorded so far (the table stays as they left it).
    public func clearChanges() { changes = [] }

    // MARK: Reads

    public func services() throws(IPVSError) -> [VirtualService] { entries.map(\.service) }

    public func destinations(of key: VirtualServiceKey) throws(IPVSError) -> [Destination] {
        try entries[index(of: key, for: .listDestinations(key))].destinations
    }

    public func timeouts() throws(IPVSError) -> IPVSTimeouts {
        guard let connectionTimeouts else { throw IPVSError(operation: .timeouts, kind: .kernel(.noEntry)) }
        return connectionTimeouts
    }

    public func resolveFamilyAgain() throws(IPVSError) -> Bool { false }

    public func syncDaemons() throws(IPVSError) -> [SyncDaemon] { daemons.sorted { $0.role < $1.role } }

    // MARK: Changes

    public func startSyncDaemon(_ daemon: SyncDaemon) throws(IPVSError) {
        changes.append(.startSyncDaemon(daemon))
        guard !daemons.contains(where: { $0.role == daemon.role }) else {
            throw IPVSError(operation: .startSyncDaemon(daemon), kind: .kernel(.exists))
        }
        daemons.append(daemon)
    }

    public func stopSyncDaemon(_ role: SyncDaemon.Role) throws(IPVSError) {
        changes.append(.stopSyncDaemon(role))
        guard let index = daemons.firstIndex(where: { $0.role == role }) else {
            throw IPVSError(operation: .stopSyncDaemon(role), kind: .kernel(.noSuchProcess))
        }
        daemons.remove(at: index)
    }

    public func setTimeouts(_ timeouts: IPVSTimeouts) throws(IPVSError) {
        changes.append(.setTimeouts(timeouts))
        // As the kernel does, 0 leaves a timeout as it is.
        var current = connectionTimeouts ?? IPVSTimeouts(tcp: 0, tcpFin: 0, udp: 0)
        if timeouts.tcp != 0 { current.tcp = timeouts.tcp }
        if timeouts.tcpFin != 0 { current.tcpFin = timeouts.tcpFin }
        if timeouts.udp != 0 { current.udp = timeouts.udp }
        connectionTimeouts = current
    }

    public func addService(_ service: VirtualService) throws(IPVSError) {
        changes.append(.addService(service))
        guard !entries.contains(where: { $0.service.key == service.key }) else {
            throw IPVSError(operation: .addService(service.key), kind: .kernel(.exists))
        }
        var added = service
        added.stats = nil
        entries.append((added, []))
    }

    public func editService(_ service: VirtualService) throws(IPVSError) {
        changes.append(.editService(service))
        let position = try index(of: service.key, for: .editService(service.key))
        var edited = service
        edited.stats = entries[position].service.stats
        entries[position].service = edited
    }

    public func deleteService(_ key: VirtualServiceKey) throws(IPVSError) {
        changes.append(.deleteService(key))
        entries.remove(at: try index(of: key, for: .deleteService(key)))
    }

    public func addDestination(_ destination: Destination, to key: VirtualServiceKey) throws(IPVSError) {
        changes.append(.addDestination(destination, to: key))
        let operation = IPVSOperation.addDestination(key, destination.endpoint)
        let position = try index(of: key, for: operation)
        guard !entries[position].destinations.contains(where: { $0.endpoint == destination.endpoint }) else {
            throw IPVSError(operation: operation, kind: .kernel(.exists))
        }
        entries[position].destinations.append(destination)
    }

    public func editDestination(_ destination: Destination, of key: VirtualServiceKey) throws(IPVSError) {
        changes.append(.editDestination(destination, of: key))
        let operation = IPVSOperation.editDestination(key, destination.endpoint)
        let position = try index(of: key, for: operation)
        let server = try destinationIndex(of: destination.endpoint, in: position, for: operation)
        // The kernel keeps a real server's counters through an edit.
        var edited = destination
        edited.connections = entries[position].destinations[server].connections
        edited.stats = entries[position].destinations[server].stats
        entries[position].destinations[server] = edited
    }

    public func deleteDestination(_ endpoint: SocketEndpoint, from key: VirtualServiceKey) throws(IPVSError) {
        changes.append(.deleteDestination(endpoint, from: key))
        let operation = IPVSOperation.deleteDestination(key, endpoint)
        let position = try index(of: key, for: operation)
        entries[position].destinations.remove(at: try destinationIndex(of: endpoint, in: position, for: operation))
    }

    /// The kernel answers ESRCH for a virtual service it does not hold.
    private func index(of key: VirtualServiceKey, for operation: IPVSOperation) throws(IPVSError) -> Int {
        guard let position = entries.firstIndex(where: { $0.service.key == key }) else {
            throw IPVSError(operation: operation, kind: .kernel(.noSuchProcess))
        }
        return position
    }

    /// The kernel answers ENOENT for a real server the service does not have.
    private func destinationIndex(of endpoint: SocketEndpoint, in position: Int,
                                  for operation: IPVSOperation) throws(IPVSError) -> Int {
        guard let server = entries[position].destinations.firstIndex(where: { $0.endpoint == endpoint }) else {
            throw IPVSError(operation: operation, kind: .kernel(.noEntry))
        }
        return server
    }
}
