import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
import PoolCore

/// What the running daemon publishes in its runtime directory after each cycle, for
/// `pglvsd status`, monitoring and the Pacemaker agent. Never holds a password.
struct StatusReport: Codable {
    struct Writer: Codable {
        /// The writer conninfo without secrets.
        var conninfo: String
        var reachable: Bool
        var problem: String?
        var address: String?
    }

    struct Member: Codable {
        var name: String
        var address: String
        var port: UInt16
        var weight: UInt32
        var state: String
        var lagBytes: Int64?
        /// When the server last joined or started draining.
        var since: Date?
    }

    struct Excluded: Codable {
        var name: String
        var reason: String
    }

    struct Pool: Codable {
        var name: String
        var virtualService: String
        var members: [Member]
        var excluded: [Excluded]
        var warnings: [String]
        var minPool: Int
    }

    var pid: Int32
    var updatedAt: Date
    var pollIntervalMilliseconds: Int
    var ready: Bool
    var writer: Writer
    var pools: [Pool]

    static func path(runtimeDirectory: String) -> String { runtimeDirectory + "/status.json" }

    func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // Readable by any operator (no secret in it: the conninfo is redacted).
        try PublishedFile.write(Array(encoder.encode(self)), to: path)
    }

    static func read(from path: String) throws -> StatusReport {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(StatusReport.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// - Parameter wallClock: turns the tracker's monotonic seconds into a date.
    static func pool(name: String, service: String, result: CycleResult, minPool: Int,
                     wallClock: (Double) -> Date) -> Pool {
        Pool(name: name, virtualService: service,
             members: result.members.map {
                 Member(name: $0.name, address: $0.endpoint.address.description, port: $0.endpoint.port,
                        weight: $0.weight, state: $0.role.description, lagBytes: $0.lagBytes, since: $0.since.map(wallClock))
             },
             excluded: result.exclusions.map { Excluded(name: $0.name, reason: $0.reason.description) },
             warnings: result.warnings, minPool: minPool)
    }
}
