#if canImport(Glibc)
import Glibc
#endif

/// The IPVS sysctls pglvsd relies on, read and written through /proc/sys/net/ipv4/vs.
public enum IPVSSysctl: String, CaseIterable, Sendable {
    /// 1: packets for a removed real server drop the connection at once instead of black-holing
    /// until it expires.
    case expireNodestConn = "expire_nodest_conn"
    /// 1: persistence templates of a weight-0 real server expire, so quiesced servers drain.
    case expireQuiescentTemplate = "expire_quiescent_template"
    /// How a reused source port is rescheduled (0, 1, 2, 3).
    case connReuseMode = "conn_reuse_mode"
    /// 1: IPVS connections keep conntrack entries; before Linux 5.9 that makes a rescheduled
    /// reused port drop its SYN.
    case conntrack = "conntrack"
    /// Seconds after which a master sync daemon sends a connection again once its timer moved
    /// (0: only every sync_threshold period of packets).
    case syncRefreshPeriod = "sync_refresh_period"

    public var path: String { "/proc/sys/net/ipv4/vs/\(rawValue)" }

    /// A failure reading or writing a sysctl, naming it.
    public struct Failure: Error, Hashable, Sendable, CustomStringConvertible {
        public var sysctl: IPVSSysctl
        public var operation: String
        public var errno: Errno
        public var description: String { "\(operation) net.ipv4.vs.\(sysctl.rawValue): \(errno)" }
    }

    public func read() throws(Failure) -> Int {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Failure(sysctl: self, operation: "read", errno: Errno(rawValue: errno)) }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
        guard count > 0 else { throw Failure(sysctl: self, operation: "read", errno: Errno(rawValue: count < 0 ? errno : EIO)) }
        let text = String(decoding: buffer[0..<count], as: UTF8.self).filter { !$0.isWhitespace }
        guard let value = Int(text) else { throw Failure(sysctl: self, operation: "read", errno: .invalidArgument) }
        return value
    }

    public func write(_ value: Int) throws(Failure) {
        let descriptor = open(path, O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Failure(sysctl: self, operation: "write", errno: Errno(rawValue: errno)) }
        defer { close(descriptor) }
        var text = "\(value)\n"
        let written = text.withUTF8 { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        guard written >= 0 else { throw Failure(sysctl: self, operation: "write", errno: Errno(rawValue: errno)) }
    }
}
