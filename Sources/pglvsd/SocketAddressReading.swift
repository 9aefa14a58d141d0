#if canImport(Glibc)
import Glibc
#endif
import LVSModel

/// The address in a C socket address (getaddrinfo's answers, getifaddrs' entries); nil for a
/// family other than IPv4 and IPv6.
func ipAddress(of socketAddress: UnsafeMutablePointer<sockaddr>) -> IPAddress? {
    switch Int32(socketAddress.pointee.sa_family) {
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
