#if canImport(Glibc)
import Glibc
#endif
import LVSModel

/// The networks the director's interfaces are on (getifaddrs): where a direct-routing real
/// server must be (DR rewrites only the MAC address, so a server is reachable only on a
/// network the director is attached to). Read at start and on reload.
enum ConnectedNetworks {
    static func read() -> [IPNetwork] {
        var first: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&first) == 0 else { return [] }
        defer { freeifaddrs(first) }
        var networks: [IPNetwork] = []
        var current = first
        while let entry = current?.pointee {
            defer { current = entry.ifa_next }
            guard let address = entry.ifa_addr.flatMap(ipAddress(of:)), let mask = entry.ifa_netmask.flatMap(ipAddress(of:)) else { continue }
            let prefix = mask.bytes.reduce(0) { $0 + $1.nonzeroBitCount }
            if let network = IPNetwork(address: address, prefixLength: prefix), !networks.contains(network) {
                networks.append(network)
            }
        }
        return networks
    }
}
