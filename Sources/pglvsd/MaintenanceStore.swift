import Foundation
import PoolCore

/// Operators' drain marks, kept as JSON in the state directory so they survive restarts
/// (like ldirectord's maintenance directory or Patroni's noloadbalance tag).
struct MaintenanceStore {
    let path: String

    init(stateDirectory: String) {
        path = stateDirectory + "/maintenance.json"
    }

    /// The marks by server name or address; none when the file does not exist.
    func load() throws -> [String: MaintenanceMode] {
        guard FileManager.default.fileExists(atPath: path) else { return [:] }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try JSONDecoder().decode([String: MaintenanceMode].self, from: data)
    }

    /// Writes the marks atomically (a reader never sees half a file).
    func save(_ marks: [String: MaintenanceMode]) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(marks).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
