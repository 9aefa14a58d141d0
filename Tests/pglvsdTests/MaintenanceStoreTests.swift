import Foundation
import Logging
import PoolCore
import Testing
@testable import pglvsd

/// Drain marks: never lost to a concurrent `pglvsd drain`, never dropped because the file
/// cannot be read, always readable by the daemon's user.
@Suite(.serialized) struct MaintenanceStoreTests {
    private func store(_ directory: borrowing TemporaryDirectory) -> MaintenanceStore {
        MaintenanceStore(stateDirectory: directory.path, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
    }

    @Test func twentyConcurrentDrainsKeepEveryMark() throws {
        let directory = try TemporaryDirectory()
        let store = store(directory)
        let group = DispatchGroup()
        let failures = Failures()
        for index in 0..<20 {
            group.enter()
            Thread.detachNewThread {
                do {
                    try store.update { $0["node\(index)"] = index.isMultiple(of: 2) ? .drain : .exclude }
                } catch {
                    failures.add("\(error)")
                }
                group.leave()
            }
        }
        #expect(group.wait(timeout: .now() + 30) == .success)
        #expect(failures.all.isEmpty)
        let marks = try store.read()
        #expect(marks.count == 20)
        #expect(marks["node3"] == .exclude && marks["node4"] == .drain)
    }

    @Test func anUnreadableFileFailsTheDrainAndIsKept() throws {
        let directory = try TemporaryDirectory()
        let store = store(directory)
        let garbage = try directory.file("maintenance.json", "{not json", mode: 0o644)
        #expect(throws: MaintenanceStore.Failure.self) { try store.update { $0["node2"] = .drain } }
        #expect(try String(contentsOfFile: garbage, encoding: .utf8) == "{not json")
        try FileManager.default.removeItem(atPath: garbage)
        try FileManager.default.createDirectory(atPath: garbage, withIntermediateDirectories: false)
        #expect(throws: MaintenanceStore.Failure.self) { try store.read() }
    }

    @Test func noFileIsNoMarks() throws {
        let directory = try TemporaryDirectory()
        var store = store(directory)
        #expect(try store.load().isEmpty)
    }

    @Test func theDaemonKeepsTheLastGoodMarksWhileTheFileCannotBeRead() throws {
        let directory = try TemporaryDirectory()
        var daemon = store(directory)
        try store(directory).update { $0["node2"] = .drain }
        #expect(try daemon.load() == ["node2": .drain])
        _ = try directory.file("maintenance.json", "{\"node2\": \"dr", mode: 0o644)
        #expect(try daemon.load() == ["node2": .drain])
        // A daemon that never read the marks has nothing to keep: it says so.
        var fresh = store(directory)
        #expect(throws: MaintenanceStore.Failure.self) { try fresh.load() }
        _ = try directory.file("maintenance.json", "{\"node3\": \"exclude\"}", mode: 0o644)
        #expect(try daemon.load() == ["node3": .exclude])
    }

    @Test func theFileIsReadableByTheDaemonWhateverTheUmask() throws {
        let directory = try TemporaryDirectory()
        let saved = umask(0o077)
        defer { umask(saved) }
        try store(directory).update { $0["node2"] = .drain }
        for name in ["maintenance.json", "maintenance.lock"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: directory.path + "/" + name)
            #expect((attributes[.posixPermissions] as? Int) == 0o644, "\(name)")
        }
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/maintenance.json.tmp"))
    }
}

/// Errors collected from several threads.
private final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var failures: [String] = []
    func add(_ failure: String) { lock.withLock { failures.append(failure) } }
    var all: [String] { lock.withLock { failures } }
}
