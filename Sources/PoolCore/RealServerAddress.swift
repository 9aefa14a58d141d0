import LVSModel

/// Why an address cannot be one of a virtual service's real servers, whoever named it (a
/// pg_stat_replication row, a static entry, a host name that resolved there).
public enum RealServerAddressProblem: Hashable, Sendable, CustomStringConvertible {
    /// Loopback, unspecified, multicast, broadcast, link-local, IPv4-mapped: no host on the network.
    case specialUse(IPAddress.SpecialUse)
    /// The virtual service's own address: the director would forward the service to itself.
    case virtualAddress

    /// The problem with `address` as a real server of the service at `virtualAddress`; nil when it can be one.
    public static func check(_ address: IPAddress, virtualAddress: IPAddress?) -> RealServerAddressProblem? {
        if let use = address.specialUse { return .specialUse(use) }
        if address == virtualAddress { return .virtualAddress }
        return nil
    }

    public var description: String {
        switch self {
        case .specialUse(let use): return "\(use)"
        case .virtualAddress: return "the virtual service's own address"
        }
    }
}
