extension IPAddress {
    /// Blocks of RFC 6890's special-purpose registry whose addresses never name one host
    /// reachable over the network: none can be a virtual service's address or a real server.
    public enum SpecialUse: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
        /// 0.0.0.0/8 ("this network", never a destination: RFC 1122) and ::.
        case unspecified
        /// 127.0.0.0/8 and ::1: the host itself, never the network.
        case loopback
        /// 224.0.0.0/4 and ff00::/8: groups, not a host.
        case multicast
        /// 255.255.255.255.
        case limitedBroadcast
        /// 169.254.0.0/16 and fe80::/10: one link only, and IPVS keeps no zone to say which;
        /// 169.254.169.254 is a cloud's metadata service, never a replica.
        case linkLocal
        /// ::ffff:0:0/96: an IPv4 address in IPv6 clothing, never on an IPv6 wire.
        case ipv4Mapped

        public var description: String {
            switch self {
            case .unspecified: return "unspecified"
            case .loopback: return "loopback"
            case .multicast: return "multicast"
            case .limitedBroadcast: return "broadcast"
            case .linkLocal: return "link-local"
            case .ipv4Mapped: return "IPv4-mapped"
            }
        }
    }

    /// The special-purpose block the address is in; nil for an ordinary unicast address.
    public var specialUse: SpecialUse? {
        switch self {
        case .v4(let value):
            switch value >> 24 {
            case 0: return .unspecified
            case 127: return .loopback
            case 224...239: return .multicast
            default: break
            }
            if value == .max { return .limitedBroadcast }
            if value >> 16 == 0xa9fe { return .linkLocal }
            return nil
        case .v6(let bytes):
            if bytes[0] == 0xff { return .multicast }
            if bytes[0] == 0xfe && bytes[1] & 0xc0 == 0x80 { return .linkLocal }
            guard bytes[0..<10].allSatisfy({ $0 == 0 }) else { return nil }
            if bytes[10] == 0xff && bytes[11] == 0xff { return .ipv4Mapped }
            guard bytes[10..<15].allSatisfy({ $0 == 0 }) else { return nil }
            switch bytes[15] {
            case 0: return .unspecified
            case 1: return .loopback
            default: return nil
            }
        }
    }
}
