import LVSModel
import PoolCore

/// The whole of pglvsd.yaml.
public struct DaemonConfiguration: Hashable, Sendable, Decodable {
    public var writer: WriterConfiguration
    /// How often the writer is asked for its replicas and the kernel reconciled.
    public var pollInterval: ConfigDuration
    public var virtualServices: [VirtualServiceConfiguration]
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

    public enum StopAction: String, Hashable, Sendable, Decodable, CaseIterable {
        /// Leave the table as it is: reads keep flowing while the daemon restarts.
        case keep
        /// Delete the daemon's own virtual services (as the seed's agent did on stop).
        case remove
    }

    public static let defaultStateDirectory = "/var/lib/pglvsd"
    public static let defaultRuntimeDirectory = "/run/pglvsd"

    public static let minimumPollInterval = 100
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
    }

    public init(from decoder: any Decoder) throws {
        let fields = try FieldReader(decoder, CodingKeys.self)
        writer = fields.required(.writer) ?? WriterConfiguration(conninfo: "")
        pollInterval = fields.optional(.pollInterval) ?? DaemonConfiguration.defaultPollInterval
        if pollInterval.milliseconds < DaemonConfiguration.minimumPollInterval {
            fields.problem(.pollInterval, "must be at least \(DaemonConfiguration.minimumPollInterval)ms")
        }
        virtualServices = fields.required(.virtualServices) ?? []
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
        if fields.container.contains(.virtualServices) && virtualServices.isEmpty {
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

/// How pglvsd reaches the writer (through the writer VIP).
public struct WriterConfiguration: Hashable, Sendable, Decodable {
    /// A libpq conninfo string or URI. Keep the password out of it: use `passfile=` or PGPASSFILE.
    public var conninfo: String

    enum CodingKeys: String, CodingKey, CaseIterable {
        case conninfo
    }

    public init(conninfo: String) {
        self.conninfo = conninfo
    }

    public init(from decoder: any Decoder) throws {
        let fields = try FieldReader(decoder, CodingKeys.self)
        conninfo = fields.required(.conninfo) ?? ""
        if fields.container.contains(.conninfo) && conninfo.trimmingWhitespace().isEmpty {
            fields.problem(.conninfo, "must not be empty")
        }
    }
}
