import Foundation
import Testing
@testable import Systemd

/// sd_notify against a real datagram socket standing in for systemd's NOTIFY_SOCKET.
@Suite(.serialized) struct ServiceManagerTests {
    /// Binds a Unix datagram socket at a fresh path and returns its descriptor and path.
    func listener() throws -> (Int32, String) {
        let path = NSTemporaryDirectory() + "pglvsd-notify-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        try #require(descriptor >= 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try #require(bound == 0)
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return (descriptor, path)
    }

    func receive(_ descriptor: Int32) -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(descriptor, &buffer, buffer.count, 0)
        return count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : nil
    }

    @Test func readyStatusAndWatchdogReachTheNotifySocket() throws {
        let (descriptor, path) = try listener()
        defer { close(descriptor); unlink(path); unsetenv("NOTIFY_SOCKET") }
        setenv("NOTIFY_SOCKET", path, 1)
        #expect(ServiceManager.notify(.ready, .status("2 real servers in TCP 10.0.0.200:5432")))
        #expect(receive(descriptor) == "READY=1\nSTATUS=2 real servers in TCP 10.0.0.200:5432")
        #expect(ServiceManager.notify(.watchdog))
        #expect(receive(descriptor) == "WATCHDOG=1")
        #expect(ServiceManager.notify(.status("line one\nline two")))
        #expect(receive(descriptor) == "STATUS=line one line two")
    }

    @Test func withoutANotifySocketNothingIsSent() {
        unsetenv("NOTIFY_SOCKET")
        #expect(ServiceManager.notify(.ready) == false)
    }

    @Test func theWatchdogIntervalComesFromTheEnvironment() {
        defer { unsetenv("WATCHDOG_USEC"); unsetenv("WATCHDOG_PID") }
        unsetenv("WATCHDOG_USEC")
        #expect(ServiceManager.watchdogIntervalMicroseconds == nil)
        setenv("WATCHDOG_USEC", "2000000", 1)
        setenv("WATCHDOG_PID", "\(getpid())", 1)
        #expect(ServiceManager.watchdogIntervalMicroseconds == 2_000_000)
    }
}

@Suite struct JournalFieldTests {
    @Test(arguments: [("real_server", "REAL_SERVER"), ("real_server.name", "REAL_SERVER_NAME"),
                      ("_private", "PRIVATE"), ("PGLVSD_WEIGHT", "PGLVSD_WEIGHT"), ("lag-bytes", "LAG_BYTES")])
    func fieldNamesFollowJournaldsRules(name: String, field: String) {
        #expect(Journal.fieldName(name) == field)
    }

    @Test func standardErrorIsNotTheJournalWithoutJournalStream() {
        unsetenv("JOURNAL_STREAM")
        #expect(Journal.standardErrorIsJournal == false)
    }
}
