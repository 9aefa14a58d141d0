import Foundation
import IPVS
import Testing
import LVSModel

/// Every suite that touches the kernel table nests in here: one namespace, one table, so the
/// suites must never run at the same time.
@Suite(.serialized, .enabled(if: KernelLab.available, KernelLab.skipReason))
enum IPVSKernelTests {}

/// Facts and helpers for tests that need a kernel with IPVS: they run inside the UML lab
/// (Tests/Lab/lab.sh), in a network namespace of their own with 10.9.0.1/16 and fd09::1/64
/// on a dummy interface.
enum KernelLab {
    static let available = FileManager.default.fileExists(atPath: "/proc/net/ip_vs")
    static let skipReason: Comment = "needs a kernel with IPVS: runs inside the UML lab (Tests/Lab/lab.sh test)"

    static func address(_ text: String) -> IPAddress { IPAddress(text)! }

    static func endpoint(_ address: String, _ port: UInt16) -> SocketEndpoint {
        SocketEndpoint(address: IPAddress(address)!, port: port)
    }

    /// Runs a program and returns its standard output; throws on a non-zero exit.
    static func run(_ program: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CommandFailure(command: ([program] + arguments).joined(separator: " "),
                                 status: process.terminationStatus,
                                 output: String(decoding: data + errorData, as: UTF8.self))
        }
        return String(decoding: data, as: UTF8.self)
    }

    static func ipvsadm(_ arguments: String...) throws -> String {
        try run("/usr/sbin/ipvsadm", arguments)
    }

    struct CommandFailure: Error, CustomStringConvertible {
        var command: String
        var status: Int32
        var output: String
        var description: String { "\(command) exited \(status): \(output)" }
    }

    /// What the client dumps, rendered the way ipvsadm would print it.
    static func rendered(_ client: IPVSClient, _ listing: IPVSListing = .standard) throws -> String {
        try IPVSTableText.render(KernelServiceTable.read(client), info: client.info(), listing: listing)
    }
}

extension VirtualService {
    /// The settings only: counters and the kernel's HASHED bookkeeping removed.
    var settingsOnly: VirtualService {
        var copy = self
        copy.stats = nil
        copy.flags = flags.settable
        return copy
    }
}

extension Destination {
    var settingsOnly: Destination {
        var copy = self
        copy.stats = nil
        copy.connections = nil
        return copy
    }
}
