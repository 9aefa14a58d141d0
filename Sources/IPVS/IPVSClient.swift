#if canImport(Glibc)
import Glibc
#endif
import CNetlink
import LVSModel

/// A typed client of the kernel's IPVS generic-netlink family.
///
/// One socket for the client's life, and the family looked up once (again only when asked:
/// `resolveFamilyAgain`, after ip_vs was loaded again); requests are synchronous, each
/// matched to its reply by sequence number, and bounded by a receive timeout so that a stuck
/// socket never hangs the caller. Use one client from one thread (or serial queue) at a time.
public final class IPVSClient {
    private let socket: OpaquePointer
    private let descriptor: Int32
    /// The IPVS family's generic-netlink id; it changes when ip_vs is unloaded and loaded again.
    private var familyID: UInt16
    private let portID: UInt32
    private var sequence: UInt32
    private let receiveBuffer: UnsafeMutableRawBufferPointer
    private let receiveTimeoutMilliseconds: Int
    /// What SO_RCVTIMEO is set to now.
    private var socketTimeoutMilliseconds = 0

    /// While set, what is left of the caller's time for a batch of requests (the daemon's
    /// cycle): each request's own time is taken off it, no reply is waited for beyond it, and
    /// nothing is sent once it is spent. A kernel that stops answering costs the batch this
    /// once, not the receive timeout once per request; the caller's own work between requests
    /// is not counted.
    public var timeBudget: Duration?

    /// The largest datagram a netlink dump sends is 32 KiB; twice that leaves room.
    private static let receiveBufferSize = 64 * 1024

    /// Opens a generic-netlink socket and resolves the IPVS family.
    /// - Parameter receiveTimeoutMilliseconds: how long one reply may take.
    public init(receiveTimeoutMilliseconds: Int = 3000) throws(IPVSError) {
        guard let socket = nl_socket_alloc() else {
            throw IPVSError(operation: .connect, kind: .socket(.outOfMemory))
        }
        // Replies are matched by our own sequence numbers, not libnl's auto-ack machinery.
        nl_socket_disable_seq_check(socket)
        guard genl_connect(socket) == 0 else {
            // libnl returns its own codes; the errno left by socket()/bind() is the useful one.
            let code = errno == 0 ? EIO : errno
            nl_socket_free(socket)
            throw IPVSError(operation: .connect, kind: .socket(Errno(rawValue: code)))
        }
        let family = genl_ctrl_resolve(socket, IPVSCommand.familyName)
        guard family > 0 else {
            nl_socket_free(socket)
            throw IPVSError(operation: .connect, kind: .ipvsUnavailable)
        }
        self.socket = socket
        self.familyID = UInt16(family)
        self.descriptor = nl_socket_get_fd(socket)
        self.portID = nl_socket_get_local_port(socket)
        self.sequence = UInt32(truncatingIfNeeded: time(nil))
        self.receiveBuffer = .allocate(byteCount: IPVSClient.receiveBufferSize, alignment: 8)
        self.receiveTimeoutMilliseconds = max(receiveTimeoutMilliseconds, 1)
        setSocketTimeout(self.receiveTimeoutMilliseconds)
    }

    /// Looks the IPVS family up again. ip_vs unloaded and loaded again registers the family
    /// under a new id, and requests to the old one fail (ENOENT) for as long as the socket
    /// lives. Returns whether the id changed; throws `.ipvsUnavailable` while it is not loaded.
    @discardableResult
    public func resolveFamilyAgain() throws(IPVSError) -> Bool {
        let family = genl_ctrl_resolve(socket, IPVSCommand.familyName)
        guard family > 0, family <= Int32(UInt16.max) else {
            throw IPVSError(operation: .connect, kind: .ipvsUnavailable)
        }
        defer { familyID = UInt16(family) }
        return UInt16(family) != familyID
    }

    private func setSocketTimeout(_ milliseconds: Int) {
        guard milliseconds != socketTimeoutMilliseconds else { return }
        var timeout = timeval(tv_sec: milliseconds / 1000, tv_usec: (milliseconds % 1000) * 1000)
        _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        socketTimeoutMilliseconds = milliseconds
    }

    /// How long one receive may wait: the receive timeout, cut to what is left before the
    /// deadline; nil once it has passed. Never 0, which SO_RCVTIMEO reads as "for ever".
    static func receiveWait(timeoutMilliseconds: Int, deadline: ContinuousClock.Instant?,
                            now: ContinuousClock.Instant) -> Int? {
        guard let deadline else { return timeoutMilliseconds }
        guard deadline > now else { return nil }
        let (seconds, attoseconds) = (deadline - now).components
        let left = seconds >= Int64(Int.max / 1000) ? Int.max : Int(seconds) * 1000 + Int((attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
        return max(1, min(timeoutMilliseconds, left))
    }

    deinit {
        nl_socket_free(socket)
        receiveBuffer.deallocate()
    }

    // MARK: Reads

    /// Every virtual service in this network namespace, with counters.
    public func services() throws(IPVSError) -> [VirtualService] {
        let request = IPVSRequest.listServices
        return try decode(request, perform(request), IPVSDecoding.service(from:))
    }

    /// The real servers of one virtual service, with connection counts and counters.
    public func destinations(of key: VirtualServiceKey) throws(IPVSError) -> [Destination] {
        let request = IPVSRequest.listDestinations(key)
        return try decode(request, perform(request)) { message in
            try IPVSDecoding.destination(from: message, serviceFamily: key.family)
        }
    }

    /// The service with this key, or nil when the kernel has none.
    public func service(_ key: VirtualServiceKey) throws(IPVSError) -> VirtualService? {
        try services().first { $0.key == key }
    }

    public func info() throws(IPVSError) -> IPVSInfo {
        let request = IPVSRequest.info
        let infos = try decode(request, perform(request), IPVSDecoding.info(from:))
        guard let info = infos.first else {
            throw IPVSError(operation: request.operation, kind: .malformedReply("no info message"))
        }
        return info
    }

    /// The TCP, TCP-FIN and UDP connection timeouts.
    public func timeouts() throws(IPVSError) -> IPVSTimeouts {
        let request = IPVSRequest.timeouts
        guard let timeouts = try decode(request, perform(request), IPVSDecoding.timeouts(from:)).first else {
            throw IPVSError(operation: request.operation, kind: .malformedReply("no config message"))
        }
        return timeouts
    }

    /// The connection synchronisation daemons running in this network namespace, master first.
    public func syncDaemons() throws(IPVSError) -> [SyncDaemon] {
        let request = IPVSRequest.listSyncDaemons
        return try decode(request, perform(request), IPVSDecoding.syncDaemon(from:)).sorted { $0.role < $1.role }
    }

    // MARK: Changes

    /// Starts a sync daemon of the daemon's role (one of each role can run); EEXIST if one runs.
    public func startSyncDaemon(_ daemon: SyncDaemon) throws(IPVSError) {
        _ = try perform(.startSyncDaemon(daemon))
    }

    /// Stops the sync daemon of this role; ESRCH if none runs.
    public func stopSyncDaemon(_ role: SyncDaemon.Role) throws(IPVSError) {
        _ = try perform(.stopSyncDaemon(role))
    }

    /// Sets the connection timeouts; 0 leaves a timeout as it is (as ipvsadm --set does).
    public func setTimeouts(_ timeouts: IPVSTimeouts) throws(IPVSError) {
        _ = try perform(.setTimeouts(timeouts))
    }

    /// Deletes every virtual service in this network namespace.
    public func flush() throws(IPVSError) {
        _ = try perform(.flush)
    }

    public func addService(_ service: VirtualService) throws(IPVSError) {
        _ = try perform(.newService(service))
    }

    public func editService(_ service: VirtualService) throws(IPVSError) {
        _ = try perform(.setService(service))
    }

    public func deleteService(_ key: VirtualServiceKey) throws(IPVSError) {
        _ = try perform(.deleteService(key))
    }

    public func addDestination(_ destination: Destination, to key: VirtualServiceKey) throws(IPVSError) {
        _ = try perform(.newDestination(key, destination))
    }

    public func editDestination(_ destination: Destination, of key: VirtualServiceKey) throws(IPVSError) {
        _ = try perform(.setDestination(key, destination))
    }

    public func deleteDestination(_ endpoint: SocketEndpoint, from key: VirtualServiceKey) throws(IPVSError) {
        _ = try perform(.deleteDestination(key, endpoint))
    }

    // MARK: Socket I/O

    private func decode<T>(_ request: IPVSRequest, _ messages: [NetlinkMessage],
                           _ body: (NetlinkMessage) throws -> T) throws(IPVSError) -> [T] {
        do {
            return try messages.map(body)
        } catch let error as IPVSDecodingError {
            throw IPVSError(operation: request.operation, kind: .malformedReply(error.detail))
        } catch {
            throw IPVSError(operation: request.operation, kind: .malformedReply("\(error)"))
        }
    }

    /// Sends one request and collects its data messages until the ACK (or NLMSG_DONE for dumps).
    private func perform(_ request: IPVSRequest) throws(IPVSError) -> [NetlinkMessage] {
        let began = ContinuousClock.now
        let deadline = timeBudget.map { began + $0 }
        // With the budget spent nothing is sent: a request sent now would change the kernel
        // with no time left to learn whether it did.
        guard IPVSClient.receiveWait(timeoutMilliseconds: receiveTimeoutMilliseconds, deadline: deadline, now: began) != nil else {
            throw IPVSError(operation: request.operation, kind: .outOfTime)
        }
        defer { timeBudget = timeBudget.map { $0 - (ContinuousClock.now - began) } }
        sequence &+= 1
        let expected = sequence
        let bytes = request.encode(family: familyID, sequence: expected, portID: portID)
        let sent = bytes.withUnsafeBytes { raw in
            nl_sendto(socket, UnsafeMutableRawPointer(mutating: raw.baseAddress), raw.count)
        }
        guard sent >= 0 else {
            throw IPVSError(operation: request.operation, kind: .socket(Errno(rawValue: errno == 0 ? EIO : errno)))
        }
        var collected: [NetlinkMessage] = []
        while true {
            let datagram = try receive(request.operation, deadline: deadline)
            let messages: [NetlinkMessage]
            do {
                messages = try NetlinkDecoding.messages(in: datagram[...])
            } catch {
                throw IPVSError(operation: request.operation, kind: .malformedReply("\(error)"))
            }
            // The kernel addresses every reply, ACK and dump part to our port with our sequence.
            for message in messages where message.sequence == expected && message.portID == portID {
                switch message.type {
                case NetlinkConstant.typeError, NetlinkConstant.typeDone:
                    // The ACK (an error of code 0), the end of a dump, or the kernel's errno.
                    let failure: Errno?
                    do {
                        failure = try NetlinkDecoding.failure(in: message)
                    } catch {
                        throw IPVSError(operation: request.operation, kind: .malformedReply("\(error)"))
                    }
                    if let failure { throw IPVSError(operation: request.operation, kind: .kernel(failure)) }
                    return collected
                case NetlinkConstant.typeNoop, NetlinkConstant.typeOverrun:
                    continue
                default:
                    collected.append(message)
                }
            }
            // Replies to an earlier request that timed out carry another sequence: skipped above.
        }
    }

    private func receive(_ operation: IPVSOperation, deadline: ContinuousClock.Instant?) throws(IPVSError) -> [UInt8] {
        while true {
            guard let wait = IPVSClient.receiveWait(timeoutMilliseconds: receiveTimeoutMilliseconds, deadline: deadline,
                                                    now: .now) else {
                throw IPVSError(operation: operation, kind: .timeout)
            }
            setSocketTimeout(wait)
            let count = recv(descriptor, receiveBuffer.baseAddress, receiveBuffer.count, Int32(MSG_TRUNC))
            if count < 0 {
                let code = errno
                if code == EINTR { continue }
                if code == EAGAIN || code == EWOULDBLOCK {
                    throw IPVSError(operation: operation, kind: .timeout)
                }
                throw IPVSError(operation: operation, kind: .socket(Errno(rawValue: code)))
            }
            guard count <= receiveBuffer.count else {
                throw IPVSError(operation: operation, kind: .malformedReply("datagram of \(count) bytes truncated"))
            }
            return Array(UnsafeRawBufferPointer(rebasing: receiveBuffer[0..<count]))
        }
    }
}
