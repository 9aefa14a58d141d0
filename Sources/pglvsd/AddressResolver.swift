#if canImport(Glibc)
import Glibc
#endif
import LVSModel

/// Turns a replica's application_name into an address: a literal IP as it is, a host name
/// through the system resolver (/etc/hosts, DNS), as the seed's agent did via ipvsadm.
enum AddressResolver {
    static func resolve(_ name: String, family: IPAddress.Family) -> IPAddress? {
        if let literal = IPAddress(name) { return literal }
        guard !name.isEmpty else { return nil }
        var hints = addrinfo()
        hints.ai_family = family == .inet ? AF_INET : AF_INET6
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var results: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(name, nil, &hints, &results) == 0, let first = results else { return nil }
        defer { freeaddrinfo(results) }
        guard let socketAddress = first.pointee.ai_addr else { return nil }
        switch first.pointee.ai_family {
        case AF_INET:
            return socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                IPAddress.v4(UInt32(bigEndian: $0.pointee.sin_addr.s_addr))
            }
        case AF_INET6:
            return socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                withUnsafeBytes(of: pointer.pointee.sin6_addr) { IPAddress(bytes: Array($0)) }
            }
        default:
            return nil
        }
    }
}
