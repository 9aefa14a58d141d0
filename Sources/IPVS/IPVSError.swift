#if canImport(Glibc)
import Glibc
#endif
import LVSModel

/// What the daemon asked the kernel to do when an error happened.
public enum IPVSOperation: Hashable, Sendable, CustomStringConvertible {
    case connect
    case listServices
    case addService(VirtualServiceKey)
    case editService(VirtualServiceKey)
    case deleteService(VirtualServiceKey)
    case listDestinations(VirtualServiceKey)
    case addDestination(VirtualServiceKey, SocketEndpoint)
    case editDestination(VirtualServiceKey, SocketEndpoint)
    case deleteDestination(VirtualServiceKey, SocketEndpoint)
    case info
    case timeouts
    case setTimeouts
    case flush
    case listSyncDaemons
    case startSyncDaemon(SyncDaemon)
    case stopSyncDaemon(SyncDaemon.Role)

    public var description: String {
        switch self {
        case .connect: return "connect to the IPVS netlink family"
        case .listServices: return "list virtual services"
        case .addService(let key): return "add virtual service \(key)"
        case .editService(let key): return "edit virtual service \(key)"
        case .deleteService(let key): return "delete virtual service \(key)"
        case .listDestinations(let key): return "list real servers of \(key)"
        case let .addDestination(key, endpoint): return "add real server \(endpoint) to \(key)"
        case let .editDestination(key, endpoint): return "edit real server \(endpoint) of \(key)"
        case let .deleteDestination(key, endpoint): return "delete real server \(endpoint) from \(key)"
        case .info: return "read IPVS version"
        case .timeouts: return "read IPVS timeouts"
        case .setTimeouts: return "set IPVS timeouts"
        case .flush: return "flush the IPVS table"
        case .listSyncDaemons: return "list IPVS sync daemons"
        case .startSyncDaemon(let daemon): return "start the \(daemon)"
        case .stopSyncDaemon(let role): return "stop the \(role) sync daemon"
        }
    }

}

/// An errno value; a struct rather than an enum so that codes we did not name still fit.
public struct Errno: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let permissionDenied = Errno(rawValue: EPERM)
    public static let noEntry = Errno(rawValue: ENOENT)
    public static let noSuchProcess = Errno(rawValue: ESRCH)
    public static let interrupted = Errno(rawValue: EINTR)
    public static let outOfMemory = Errno(rawValue: ENOMEM)
    public static let accessDenied = Errno(rawValue: EACCES)
    public static let busy = Errno(rawValue: EBUSY)
    public static let exists = Errno(rawValue: EEXIST)
    public static let invalidArgument = Errno(rawValue: EINVAL)
    public static let outOfRange = Errno(rawValue: ERANGE)
    public static let wouldBlock = Errno(rawValue: EAGAIN)
    public static let notSupported = Errno(rawValue: EOPNOTSUPP)

    /// The C library's text for the code.
    public var description: String { String(cString: strerror(rawValue)) }
}

/// A failure talking to the kernel's IPVS, naming the operation that failed.
public struct IPVSError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// The IPVS generic-netlink family is not registered: ip_vs is not loaded or not built.
        case ipvsUnavailable
        /// The kernel refused the request.
        case kernel(Errno)
        /// No reply within the receive timeout (or before the client's deadline).
        case timeout
        /// Not sent: the client's deadline had passed (the caller's time for the kernel is spent).
        case outOfTime
        /// The socket itself failed.
        case socket(Errno)
        /// A reply that does not decode.
        case malformedReply(String)
    }

    public var operation: IPVSOperation
    public var kind: Kind

    public init(operation: IPVSOperation, kind: Kind) {
        self.operation = operation
        self.kind = kind
    }

    /// The errno behind the error, where there is one.
    public var errno: Errno? {
        switch kind {
        case .kernel(let code), .socket(let code): return code
        default: return nil
        }
    }

    public var description: String { "\(operation): \(reason)" }

    /// What the kernel's code means for this operation.
    public var reason: String {
        switch kind {
        case .ipvsUnavailable:
            return "the IPVS netlink family is not available (is the ip_vs module loaded?)"
        case .timeout:
            return "no reply from the kernel within the receive timeout"
        case .outOfTime:
            return "not sent: this cycle's time for the kernel is spent (the next cycle carries on)"
        case .malformedReply(let detail):
            return "malformed reply: \(detail)"
        case .socket(let code):
            return "netlink socket error: \(code) (errno \(code.rawValue))"
        case .kernel(let code):
            return "\(meaning(of: code)) (errno \(code.rawValue))"
        }
    }

    private func meaning(of code: Errno) -> String {
        switch (code, operation) {
        case (.exists, .addService): return "virtual service already exists"
        case (.exists, .addDestination): return "real server already exists"
        case (.exists, .startSyncDaemon): return "a sync daemon of that role runs already"
        case (.noSuchProcess, .stopSyncDaemon): return "no sync daemon of that role runs"
        case (.noSuchProcess, _): return "no such virtual service"
        case (.noEntry, .addService), (.noEntry, .editService): return "scheduler or persistence engine not found"
        // Generic netlink's answer to a family id nobody holds (any IPVS command would get it).
        case (.noEntry, .listServices), (.noEntry, .listDestinations), (.noEntry, .info), (.noEntry, .timeouts), (.noEntry, .flush),
             (.noEntry, .listSyncDaemons), (.noEntry, .startSyncDaemon), (.noEntry, .stopSyncDaemon):
            return "no IPVS netlink family under the id in use (ip_vs unloaded, or loaded again)"
        case (.noEntry, _): return "no such real server"
        case (.permissionDenied, _), (.accessDenied, _): return "permission denied (CAP_NET_ADMIN is required)"
        case (.outOfRange, _): return "value out of range"
        case (.invalidArgument, _): return "invalid argument"
        default: return code.description
        }
    }
}
