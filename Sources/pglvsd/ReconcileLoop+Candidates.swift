import Configuration
import Dispatch
import LVSModel
import PoolCore
import Postgres

/// Candidates: who each virtual service's pool is chosen from (the writer's rows and the static
/// lists, with their names' addresses) and which of them may be probed (allowed networks, the probe budget).
extension ReconcileLoop {
    /// Where discovered servers may be, once per start and reload, so an operator can see it.
    func logAllowedNetworks() {
        dispatchPrecondition(condition: .onQueue(queue))
        for service in configuration.virtualServices {
            if let networks = allowedNetworks(for: service) {
                let list = networks.isEmpty ? "no network" : networks.map(\.description).joined(separator: ", ")
                let origin = configuration.allowedNetworks == nil ? " (the director's networks; set allowed_networks to change)" : ""
                logger.info("\(service.name): servers the writer names are probed and pooled only in \(list)\(origin)")
            } else {
                let method = service.policy.forwarding.rawValue
                logger.warning("\(service.name): allowed_networks is not set and \(method) forwarding is routed: servers the writer names are probed wherever its rows point")
            }
        }
    }

    /// Each service's candidates: the writer's rows and the static list, with the addresses
    /// known now. Never waits: names not fresh are looked up for later (`writerAnswered` waits
    /// for its rows' lookups, off the queue, before it makes its plans).
    func plans(for report: WriterReport?) -> [ServiceCandidates] {
        dispatchPrecondition(condition: .onQueue(queue))
        let addresses = resolver.knownAddresses(of: lookupNames(for: report))
        return configuration.virtualServices.map { service in
            let family = service.service.key.family
            let rows = report.map { observations(of: $0, for: service, addresses: addresses) } ?? []
            let statics = service.staticRealServers.map {
                StaticCandidate(name: $0, address: addresses[AddressResolver.Name(name: $0, family: family)])
            }
            return (service, rows, statics)
        }
    }

    /// The names the candidates of `report` and the static lists are known by, per family.
    func lookupNames(for report: WriterReport?) -> Set<AddressResolver.Name> {
        dispatchPrecondition(condition: .onQueue(queue))
        var names = Set<AddressResolver.Name>()
        for service in configuration.virtualServices {
            let family = service.service.key.family
            // Every row, whatever its state: a member whose row turns to catchup must still be
            // matched to its endpoint to leave through fall (the lookups are bounded anyway).
            for sender in report?.walSenders ?? [] {
                names.insert(AddressResolver.Name(name: candidateName(sender, service), family: family))
            }
            for name in service.staticRealServers { names.insert(AddressResolver.Name(name: name, family: family)) }
        }
        return names
    }

    /// Where the candidates are probed.
    func endpoints(of plans: [ServiceCandidates]) -> Set<SocketEndpoint> {
        dispatchPrecondition(condition: .onQueue(queue))
        var endpoints = Set<SocketEndpoint>()
        for plan in plans {
            // An address no real server may have is refused by the pool, never probed: a probe
            // hands the password to whoever answers there.
            let listed = plan.service.listedAddresses
            for address in plan.rows.compactMap(\.address) + plan.statics.compactMap(\.address)
            where mayProbe(address, of: plan.service, listed: listed.contains(address)) {
                endpoints.insert(SocketEndpoint(address: address, port: plan.service.policy.realServerPort))
            }
        }
        return endpoints
    }

    /// Servers in a pool or draining: probed whatever the writer says. Before a service's first
    /// decision, the real servers the kernel held at start (what that decision adopts): a
    /// restart probes them from its first round instead of after the writer's first answer, so
    /// their connections are not still being set up while the first rounds count their fall.
    func trackedEndpoints() -> Set<SocketEndpoint> {
        dispatchPrecondition(condition: .onQueue(queue))
        var endpoints = Set<SocketEndpoint>()
        for service in configuration.virtualServices {
            let listed = service.listedAddresses
            let held = trackers[service.name].map { tracker in
                tracker.servers.values.filter { $0.status != .out }.map(\.endpoint)
            } ?? Array(adoptedEndpoints[service.name] ?? [])
            for endpoint in held where mayProbe(endpoint.address, of: service, listed: listed.contains(endpoint.address)) {
                endpoints.insert(endpoint)
            }
        }
        return endpoints
    }

    /// Servers that left a pool lately and that no round asks for: their connections are kept
    /// up (`ReplicaProber.warm`) so each is ready when its row returns. Only where a probe may go.
    func departedEndpoints() -> Set<SocketEndpoint> {
        dispatchPrecondition(condition: .onQueue(queue))
        let departed = decider.recentlyDeparted
        var endpoints = Set<SocketEndpoint>()
        for service in configuration.virtualServices {
            let listed = service.listedAddresses
            // A reload may have moved the port or narrowed where probes may go.
            for endpoint in departed[service.name] ?? [] where endpoint.port == service.policy.realServerPort
                && mayProbe(endpoint.address, of: service, listed: listed.contains(endpoint.address)) {
                endpoints.insert(endpoint)
            }
        }
        return endpoints
    }

    /// Reads which real servers the kernel holds for each configured service (at start: what
    /// the first decision adopts). A failed read leaves none: the first round then learns them.
    func noteAdoptedEndpoints() {
        dispatchPrecondition(condition: .onQueue(queue))
        table.timeBudget = .milliseconds(CycleBudget.kernelMilliseconds)
        defer { table.timeBudget = nil }
        let (kernel, _) = readKernel()
        guard case .success(let services) = kernel else { return adoptedEndpoints = [:] }
        adoptedEndpoints = services.mapValues { Set($0.destinations.map(\.endpoint)) }
    }

    /// `listed`: one of the service's `listedAddresses`.
    func mayProbe(_ address: IPAddress, of service: VirtualServiceConfiguration, listed: Bool) -> Bool {
        dispatchPrecondition(condition: .onQueue(queue))
        return RealServerAddressProblem.check(address, virtualAddress: service.virtualAddress,
                                       allowedNetworks: listed ? nil : allowedNetworks(for: service),
                                       mixedFamilies: service.policy.forwarding == .tunnel) == nil
    }

    /// Where servers the writer's rows name may be: `allowed_networks`, or for a direct-routing
    /// service the director's own networks (no other server could take its packets), or
    /// anywhere for NAT and tunnels (routed; said once at start).
    func allowedNetworks(for service: VirtualServiceConfiguration) -> [IPNetwork]? {
        dispatchPrecondition(condition: .onQueue(queue))
        return configuration.allowedNetworks ?? (service.policy.forwarding == .directRoute ? connectedNetworks : nil)
    }

    /// What names a row's real server: its application_name, or the address it connected from.
    func candidateName(_ sender: WalSender, _ service: VirtualServiceConfiguration) -> String {
        dispatchPrecondition(condition: .onQueue(queue))
        switch service.addressSource {
        case .applicationName: return sender.applicationName
        case .clientAddress: return sender.clientAddress ?? ""
        }
    }

    func observations(of report: WriterReport, for service: VirtualServiceConfiguration,
                      addresses: [AddressResolver.Name: IPAddress]) -> [ReplicaObservation] {
        dispatchPrecondition(condition: .onQueue(queue))
        return report.walSenders.map { observation(of: $0, for: service, addresses: addresses, lagBytes: $0.replayLagBytes) }
    }

    /// One row of a pg_stat_replication (the writer's, or a standby's) as the core reads it.
    func observation(of sender: WalSender, for service: VirtualServiceConfiguration,
                     addresses: [AddressResolver.Name: IPAddress], lagBytes: Int64?) -> ReplicaObservation {
        dispatchPrecondition(condition: .onQueue(queue))
        let name = candidateName(sender, service)
        return ReplicaObservation(name: name, address: addresses[AddressResolver.Name(name: name, family: service.service.key.family)],
                                  state: sender.state, syncState: sender.syncState,
                                  replayLagBytes: lagBytes, replayLagSeconds: sender.replayLagSeconds)
    }
}
