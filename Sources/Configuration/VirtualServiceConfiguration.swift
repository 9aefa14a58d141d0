import LVSModel
import PoolCore
import YAML

/// Where a replication row's real-server address comes from.
public enum RealServerAddressSource: String, Hashable, Sendable, Decodable, CaseIterable {
    /// application_name, as a literal IP or a host name resolved by the system resolver (the seed's way).
    case applicationName = "application_name"
    /// pg_stat_replication.client_addr: the address the standby connected from.
    case clientAddress = "client_addr"
}

/// One reader virtual service and the rules of its pool.
public struct VirtualServiceConfiguration: Hashable, Sendable, Decodable {
    public var name: String
    public var service: VirtualService
    public var policy: PoolPolicy
    public var addressSource: RealServerAddressSource
    /// Servers named in the configuration (the seed's method 2), checked by their own probe.
    public var staticRealServers: [String]
    /// The addresses written literally in real_servers: the operator's word, which
    /// allowed_networks does not bound (a listed host name resolves through DNS, and stays bounded).
    public var listedAddresses: Set<IPAddress> { Set(staticRealServers.compactMap { IPAddress($0) }) }
    public var discovery: CandidateDiscovery

    /// The service's own address, which no real server may have (nil for a firewall mark).
    public var virtualAddress: IPAddress? {
        guard case .endpoint(_, let endpoint) = service.key else { return nil }
        return endpoint.address
    }

    /// Schedulers the kernel ships (ip_vs_*.ko).
    public static let schedulers: Set<String> = ["rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh"]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, address, port, `protocol`, scheduler, forwarding, weights
        case defaultWeight = "default_weight"
        case realServerPort = "real_server_port"
        case realServerAddress = "real_server_address"
        case syncStates = "sync_states"
        case maxLagBytes = "max_lag_bytes"
        case maxLagSeconds = "max_lag_seconds"
        case requireStreaming = "require_streaming"
        case rise, fall, removal, discovery
        case drainTimeout = "drain_timeout"
        case fallbackToPrimary = "fallback_to_primary"
        case minPool = "min_pool"
        case lagWeighting = "lag_weighting"
        case reattachGrace = "reattach_grace"
        case realServers = "real_servers"
    }

    public init(from decoder: any Decoder) throws {
        let fields = try FieldReader(decoder, CodingKeys.self)
        name = fields.optional(.name) ?? "reader"
        if let problem = name.hiddenCharacterProblem { fields.problem(.name, problem) }

        var address = IPAddress.v4(0)
        if let text: String = fields.required(.address) {
            if let parsed = IPAddress(text), let use = parsed.specialUse {
                // Clients reach the service over the network; these addresses never arrive from one.
                fields.problem(.address, "\(parsed) cannot be a virtual service address (\(use))")
            } else if let parsed = IPAddress(text) {
                address = parsed
            } else {
                fields.problem(.address, "not an IPv4 or IPv6 address: \"\(text)\"")
            }
        }
        let port = VirtualServiceConfiguration.port(fields, .port, required: true) ?? 5432
        let proto: TransportProtocol = VirtualServiceConfiguration.enumValue(fields, .protocol) ?? .tcp
        let scheduler: String = fields.optional(.scheduler) ?? "rr"
        if !VirtualServiceConfiguration.schedulers.contains(scheduler) {
            fields.problem(.scheduler, "unknown scheduler \"\(scheduler)\" (expected one of: \(VirtualServiceConfiguration.schedulers.sorted().joined(separator: ", ")))")
        }
        let forwarding: ForwardingMethod = VirtualServiceConfiguration.enumValue(fields, .forwarding) ?? .directRoute
        let realServerPort = VirtualServiceConfiguration.port(fields, .realServerPort, required: false) ?? port
        if forwarding == .directRoute && realServerPort != port {
            fields.problem(.realServerPort, "direct routing cannot change the port: must equal port (\(port))")
        }
        addressSource = VirtualServiceConfiguration.enumValue(fields, .realServerAddress) ?? .applicationName

        let defaultWeight = VirtualServiceConfiguration.weight(fields.integer(.defaultWeight),
                                                               fields, .defaultWeight, nil) ?? 1
        var weights: [String: UInt32] = [:]
        for (server, node) in fields.entries(.weights) ?? [] {
            if let problem = server.hiddenCharacterProblem {
                fields.problem(.weights, "a server name \(problem)")
                continue
            }
            guard let value = node.scalar.flatMap(ConfigInteger.construct)?.value else {
                let found = node.scalar.flatMap { $0.isNull ? nil : "\"\($0.text)\"" } ?? ComposedDocument.kind(of: node)
                fields.collector.add(fields.path + [CodingKeys.weights, AnyCodingKey(stringValue: server)],
                                     "weight of \(server) must be an integer, got \(found)")
                continue
            }
            if let weight = VirtualServiceConfiguration.weight(value, fields, .weights, server) {
                weights[server] = weight
            }
        }
        let syncStates: [String] = fields.optional(.syncStates) ?? Array(PoolPolicy.seedSyncStates)
        let knownSyncStates = PoolPolicy.seedSyncStates
        for state in syncStates where !knownSyncStates.contains(state) {
            fields.problem(.syncStates, "unknown sync_state \"\(state)\" (expected: async, potential, quorum, sync)")
        }

        let maxLagBytes: ConfigByteLimit = fields.optional(.maxLagBytes) ?? ConfigByteLimit(bytes: PoolPolicy.defaultMaxLagBytes)
        let maxLagSeconds: ConfigOptionalDuration? = fields.optional(.maxLagSeconds)
        let requireStreaming: Bool = fields.optional(.requireStreaming) ?? true
        let rise = VirtualServiceConfiguration.count(fields, .rise, minimum: 1) ?? 2
        let fall = VirtualServiceConfiguration.count(fields, .fall, minimum: 1) ?? 2
        let removal: RemovalMode = VirtualServiceConfiguration.enumValue(fields, .removal) ?? .quiesce
        let drainTimeout: ConfigDuration = fields.optional(.drainTimeout) ?? ConfigDuration(milliseconds: 60_000)
        let fallback: Bool = fields.optional(.fallbackToPrimary) ?? false
        let minPool = VirtualServiceConfiguration.count(fields, .minPool, minimum: 0) ?? 1
        let lagWeighting: Bool = fields.optional(.lagWeighting) ?? false
        let grace: ConfigDuration = fields.optional(.reattachGrace) ?? ConfigDuration(milliseconds: 30_000)
        if lagWeighting && maxLagBytes.bytes == nil {
            fields.problem(.lagWeighting, "needs max_lag_bytes to scale against")
        }
        staticRealServers = fields.optional(.realServers) ?? []
        var seenServers = Set<String>()
        for (index, server) in staticRealServers.enumerated() {
            if let problem = server.hiddenCharacterProblem {
                fields.collector.add(fields.path + [CodingKeys.realServers, AnyCodingKey(intValue: index)], problem)
            } else if !seenServers.insert(server).inserted {
                fields.problem(.realServers, "duplicate real server \"\(server)\"")
            } else if let literal = IPAddress(server),
                      let problem = RealServerAddressProblem.check(literal, virtualAddress: address) {
                fields.collector.add(fields.path + [CodingKeys.realServers, AnyCodingKey(intValue: index)],
                                     "\(ExclusionReason.unusableAddress(literal, problem))")
            }
        }
        discovery = VirtualServiceConfiguration.enumValue(fields, .discovery) ?? (staticRealServers.isEmpty ? .writer : .both)
        if (discovery == .static || discovery == .both) && staticRealServers.isEmpty {
            fields.problem(.discovery, "\(discovery.rawValue) discovery needs real_servers")
        }

        service = VirtualService(key: .endpoint(proto, SocketEndpoint(address: address, port: port)), scheduler: scheduler)
        policy = PoolPolicy(defaultWeight: defaultWeight, weights: weights, realServerPort: realServerPort,
                            forwarding: forwarding, acceptedSyncStates: Set(syncStates),
                            acceptedStates: requireStreaming ? ["streaming"] : ["streaming", "catchup"],
                            maxLagBytes: maxLagBytes.bytes,
                            maxLagSeconds: maxLagSeconds?.duration.map { Double($0.milliseconds) / 1000 },
                            rise: rise, fall: fall, removal: removal,
                            drainTimeoutSeconds: Double(drainTimeout.milliseconds) / 1000,
                            fallbackToPrimary: fallback, minPool: minPool, lagWeighting: lagWeighting,
                            reattachGraceSeconds: Double(grace.milliseconds) / 1000)
    }

    private static func count(_ fields: FieldReader<CodingKeys>, _ key: CodingKeys, minimum: Int64) -> Int? {
        guard let value = fields.integer(key) else { return nil }
        guard (minimum...1000).contains(value) else {
            fields.problem(key, "must be between \(minimum) and 1000, got \(value)")
            return nil
        }
        return Int(value)
    }

    private static func port(_ fields: FieldReader<CodingKeys>, _ key: CodingKeys, required: Bool) -> UInt16? {
        let value = fields.integer(key, required: required)
        guard let value else { return nil }
        guard (1...65535).contains(value) else {
            fields.problem(key, "port must be between 1 and 65535, got \(value)")
            return nil
        }
        return UInt16(value)
    }

    /// Weights are C ints in the kernel: 0 (no new connections) up to 2^31-1.
    private static func weight(_ value: Int64?, _ fields: FieldReader<CodingKeys>, _ key: CodingKeys,
                               _ server: String?) -> UInt32? {
        guard let value else { return nil }
        guard (0...Int64(Int32.max)).contains(value) else {
            let what = server.map { "weight of \($0)" } ?? "weight"
            if let server {
                fields.collector.add(fields.path + [key, AnyCodingKey(stringValue: server)],
                                     "\(what) must be between 0 and \(Int32.max), got \(value)")
            } else {
                fields.problem(key, "\(what) must be between 0 and \(Int32.max), got \(value)")
            }
            return nil
        }
        return UInt32(value)
    }

    private static func enumValue<T: RawRepresentable & CaseIterable>(_ fields: FieldReader<CodingKeys>, _ key: CodingKeys) -> T?
    where T.RawValue == String {
        guard let text: String = fields.optional(key) else { return nil }
        guard let value = T(rawValue: text) else {
            fields.problem(key, "unknown value \"\(text)\" (expected one of: \(T.allCases.map(\.rawValue).joined(separator: ", ")))")
            return nil
        }
        return value
    }
}
