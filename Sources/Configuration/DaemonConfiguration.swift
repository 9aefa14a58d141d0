import LVSModel
import PoolCore
import YAML

/// The whole of pglvsd.yaml.
public struct DaemonConfiguration: Hashable, Sendable, Decodable {
    public var writer: WriterConfiguration
    /// How often the writer is asked for its replicas and the kernel reconciled.
    public var pollInterval: ConfigDuration
    public var virtualServices: [VirtualServiceConfiguration]
    /// Some service reads the standbys' own pg_stat_replication (discovery: cascade).
    public var cascades: Bool { virtualServices.contains { $0.discovery == .cascade } }
    /// Where `pglvsd drain` keeps its marks (and the daemon reads them), persisted across restarts.
    public var stateDirectory: String
    /// Where the running daemon publishes status.json (systemd's RuntimeDirectory=pglvsd).
    public var runtimeDirectory: String
    /// libpq conninfo for each replica's own probe; the replica's address and port are filled
    /// in. Default: the writer conninfo with its host replaced.
    public var replicaConninfo: String?
    /// A node_exporter textfile to write Prometheus metrics to each cycle (off when nil).
    public var metricsFile: String?
    /// What SIGTERM does to the daemon's own virtual services.
    public var onStop: StopAction
    /// How long a replica probe (connect and query) may take before it counts as failed.
    public var probeTimeout: ConfigDuration
    /// How often rounds run while a server is between states (counting rise or fall), as
    /// HAProxy's fastinter: a quarter of poll_interval unless set.
    public var fastPollInterval: ConfigDuration
    /// Whether idle probe connections are watched, so a replica whose postmaster dies is known
    /// at once rather than at its next probe.
    public var watchIdleProbes: Bool
    /// Where servers the writer's rows name may be (probed, and pooled); nil when not set: the
    /// daemon then allows a direct-routing service's connected networks only.
    public var allowedNetworks: [IPNetwork]?
    /// Settings of the director's IPVS as a whole (`ipvs.timeouts`).
    public var ipvs: IPVSConfiguration

    public enum StopAction: String, Hashable, Sendable, Decodable, CaseIterable {
        /// Leave the table as it is: reads keep flowing while the daemon restarts.
        case keep
        /// Delete the daemon's own virtual services (as the seed's agent did on stop).
        case remove
    }

    public static let defaultStateDirectory = "/var/lib/pglvsd"
    public static let defaultRuntimeDirectory = "/run/pglvsd"

    public static let minimumPollInterval = 100
    public static let defaultProbeTimeout = ConfigDuration(milliseconds: 500)
    public static let minimumTimeout = 50
    // systemd's watchdog (WatchdogSec=10s in the unit) hears WATCHDOG=1 when a round starts and
    // when it decides: these bounds keep the longest gap at 7s (CycleBudget), leaving 3s for
    // the decision's own computing; fast_poll_interval is never longer than poll_interval.
    public static let maximumPollInterval = 5_000
    public static let maximumWriterTimeout = 2_000
    public static let maximumProbeTimeout = 1_000
    public static let defaultPollInterval = ConfigDuration(milliseconds: 1000)

    enum CodingKeys: String, CodingKey, CaseIterable {
        case writer
        case pollInterval = "poll_interval"
        case virtualServices = "virtual_services"
        case stateDirectory = "state_directory"
        case runtimeDirectory = "runtime_directory"
        case replicaConninfo = "replica_conninfo"
        case onStop = "on_stop"
        case metricsFile = "metrics_file"
        case probeTimeout = "probe_timeout"
        case fastPollInterval = "fast_poll_interval"
        case watchIdleProbes = "watch_idle_probes"
        case allowedNetworks = "allowed_networks"
        case ipvs
    }

    public init(from decoder: any Decoder) throws {
        let fields = try FieldReader(decoder, CodingKeys.self)
        writer = fields.required(.writer) ?? WriterConfiguration(conninfo: "")
        pollInterval = fields.optional(.pollInterval) ?? DaemonConfiguration.defaultPollInterval
        if pollInterval.milliseconds < DaemonConfiguration.minimumPollInterval {
            fields.problem(.pollInterval, "must be at least \(DaemonConfiguration.minimumPollInterval)ms")
        } else if pollInterval.milliseconds > DaemonConfiguration.maximumPollInterval {
            fields.problem(.pollInterval, "must be at most \(DaemonConfiguration.maximumPollInterval / 1000)s "
                           + "(systemd's watchdog expects a cycle within 10s), got \(pollInterval)")
        }
        virtualServices = fields.required(.virtualServices) ?? []
        probeTimeout = fields.optional(.probeTimeout) ?? DaemonConfiguration.defaultProbeTimeout
        DaemonConfiguration.checkTimeout(probeTimeout, .probeTimeout, maximum: DaemonConfiguration.maximumProbeTimeout, fields)
        if let fast: ConfigDuration = fields.optional(.fastPollInterval) {
            fastPollInterval = fast
            if fast.milliseconds < DaemonConfiguration.minimumPollInterval / 2 {
                fields.problem(.fastPollInterval, "must be at least \(DaemonConfiguration.minimumPollInterval / 2)ms")
            } else if fast.milliseconds > pollInterval.milliseconds {
                fields.problem(.fastPollInterval, "must not be longer than poll_interval (\(pollInterval))")
            }
        } else {
            fastPollInterval = ConfigDuration(milliseconds: max(pollInterval.milliseconds / 4, DaemonConfiguration.minimumPollInterval / 2))
        }
        watchIdleProbes = fields.optional(.watchIdleProbes) ?? true
        if let texts: [String] = fields.optional(.allowedNetworks) {
            var networks: [IPNetwork] = []
            if texts.isEmpty {
                fields.problem(.allowedNetworks, "an empty list would refuse every server the writer names; leave the key out for the default")
            }
            for (index, text) in texts.enumerated() {
                if let network = IPNetwork(text), network.address.specialUse != .ipv4Mapped {
                    networks.append(network)
                } else {
                    fields.collector.add(fields.path + [AnyCodingKey(stringValue: CodingKeys.allowedNetworks.rawValue), AnyCodingKey(intValue: index)],
                                         "not a network (ADDRESS/PREFIX with no host bits set, or an address): \"\(text)\"")
                }
            }
            allowedNetworks = networks
        } else {
            allowedNetworks = nil
        }
        ipvs = fields.optional(.ipvs) ?? IPVSConfiguration()
        stateDirectory = fields.optional(.stateDirectory) ?? DaemonConfiguration.defaultStateDirectory
        if !stateDirectory.hasPrefix("/") { fields.problem(.stateDirectory, "must be an absolute path") }
        runtimeDirectory = fields.optional(.runtimeDirectory) ?? DaemonConfiguration.defaultRuntimeDirectory
        if !runtimeDirectory.hasPrefix("/") { fields.problem(.runtimeDirectory, "must be an absolute path") }
        replicaConninfo = fields.optional(.replicaConninfo)
        metricsFile = fields.optional(.metricsFile)
        if let metricsFile, !metricsFile.hasPrefix("/") { fields.problem(.metricsFile, "must be an absolute path") }
        onStop = .keep
        if let text: String = fields.optional(.onStop) {
            if let action = StopAction(rawValue: text) {
                onStop = action
            } else {
                fields.problem(.onStop, "unknown value \"\(text)\" (expected one of: keep, remove)")
            }
        }
        // An empty list; anything else there that decoded to nothing has its problem named already.
        if fields.document.node(at: fields.path + [CodingKeys.virtualServices])?.sequence?.isEmpty == true {
            fields.problem(.virtualServices, "at least one virtual service is required")
        }
        var seenNames: [String: Int] = [:]
        var seenKeys: [VirtualServiceKey: Int] = [:]
        for (index, service) in virtualServices.enumerated() {
            let path = [AnyCodingKey(stringValue: CodingKeys.virtualServices.rawValue), AnyCodingKey(intValue: index)]
            if let first = seenNames[service.name] {
                fields.collector.add(path + [AnyCodingKey(stringValue: "name")],
                                     "duplicate name \"\(service.name)\" (also virtual_services[\(first)])")
            }
            if let first = seenKeys[service.service.key] {
                fields.collector.add(path, "duplicate virtual service \(service.service.key) (also virtual_services[\(first)])")
            }
            seenNames[service.name] = seenNames[service.name] ?? index
            seenKeys[service.service.key] = seenKeys[service.service.key] ?? index
        }
    }
}

extension DaemonConfiguration {
    /// Timeouts are bounded: under 50ms a healthy server on a busy host misses them, and the
    /// maximum keeps a round within systemd's watchdog (see maximumPollInterval).
    fileprivate static func checkTimeout<Key: CodingKey & CaseIterable>(_ value: ConfigDuration, _ key: Key, maximum: Int,
                                                                           _ fields: FieldReader<Key>) {
        if value.milliseconds < minimumTimeout || value.milliseconds > maximum {
            fields.problem(key, "must be between \(minimumTimeout)ms and \(ConfigDuration(milliseconds: maximum)), got \(value)")
        }
    }
}

/// How pglvsd reaches the writer (through the writer VIP).
public struct WriterConfiguration: Hashable, Sendable, Decodable {
    /// A libpq conninfo string or URI. Keep the password out of it: use `passfile=`, PGPASSFILE
    /// or `password_file`.
    public var conninfo: String
    /// A file whose first line is the password, for the writer and the replica probes (used
    /// when the conninfo has none). Read at start and on reload; must not be readable by others.
    public var passwordFile: String?
    /// How long connecting to the writer and reading its report may take.
    public var timeout: ConfigDuration

    public static let defaultTimeout = ConfigDuration(milliseconds: 2000)

    enum CodingKeys: String, CodingKey, CaseIterable {
        case conninfo
        case passwordFile = "password_file"
        case timeout
    }

    public init(conninfo: String, passwordFile: String? = nil, timeout: ConfigDuration = WriterConfiguration.defaultTimeout) {
        self.conninfo = conninfo
        self.passwordFile = passwordFile
        self.timeout = timeout
    }

    public init(from decoder: any Decoder) throws {
        let fields = try FieldReader(decoder, CodingKeys.self)
        conninfo = fields.required(.conninfo) ?? ""
        if fields.container.contains(.conninfo) && conninfo.trimmingWhitespace().isEmpty {
            fields.problem(.conninfo, "must not be empty")
        }
        passwordFile = fields.optional(.passwordFile)
        if let passwordFile, !passwordFile.hasPrefix("/") { fields.problem(.passwordFile, "must be an absolute path") }
        timeout = fields.optional(.timeout) ?? WriterConfiguration.defaultTimeout
        DaemonConfiguration.checkTimeout(timeout, .timeout, maximum: DaemonConfiguration.maximumWriterTimeout, fields)
    }
}
