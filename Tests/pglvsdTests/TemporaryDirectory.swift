import Foundation
import Testing

/// A directory of its own for one test, removed afterwards.
struct TemporaryDirectory: ~Copyable {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "pglvsd-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `text` to a file in the directory with `mode`, and returns its path.
    func file(_ name: String, _ text: String, mode: Int = 0o600) throws -> String {
        let file = path + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: file)
        return file
    }
}

/// The body's result, or nil after recording an issue when it has not returned within
/// `seconds` (the body is left running on its thread: a regression shows as a failure, not a hang).
func within<T: Sendable>(seconds: Double, _ body: @escaping @Sendable () -> T,
                         sourceLocation: SourceLocation = #_sourceLocation) -> T? {
    let done = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var result: T?
    Thread.detachNewThread {
        result = body()
        done.signal()
    }
    guard done.wait(timeout: .now() + seconds) == .success else {
        Issue.record("still running after \(seconds) s", sourceLocation: sourceLocation)
        return nil
    }
    return result
}
