import LVSModel

/// Why an address cannot be one of a virtual service's real servers, whoever named it (a
/// pg_stat_replication row, a static entry, a host name that resolved there).
public enum RealServerAddressProblem: Hashable, Sendable, CustomStringConvertible {
    /// Loopback, unspecified, multicast, broadcast, link-local, IPv4-mapped: no host on the network.
    case specialUse(IPAddress.SpecialUse)
    /// The virtual service's own address: the director would forward the service to itself.
    case virtualAddress
    /// Named by the writer's rows but outside the networks servers may be in: never probed (the
    /// probe would hand the password to whoever answers there), never pooled.
    case outsideAllowedNetworks([IPNetwork])
    /// Of the other family than the virtual service: the kernel refuses it unless tunnelled.
    case otherFamily(IPAddress.Family)

    /// The problem with `address` as a real server of the service at `virtualAddress`; nil when
    /// it can be one. `allowedNetworks` (nil: anywhere) bounds servers the writer's rows name;
    /// a server the operator listed is not bounded by it.
    public static func check(_ address: IPAddress, virtualAddress: IPAddress?, allowedNetworks: [IPNetwork]? = nil,
                             mixedFamilies: Bool = false) -> RealServerAddressProblem? {
        if let use = address.specialUse { return .specialUse(use) }
        if address == virtualAddress { return .virtualAddress }
        if let virtualAddress, !mixedFamilies, address.family != virtualAddress.family { return .otherFamily(address.family) }
        if let allowedNetworks, !allowedNetworks.contains(where: { $0.contains(address) }) {
            return .outsideAllowedNetworks(allowedNetworks)
        }
        return nil
    }

    public var description: String {
        switch self {
        case .specialUse(let use): return "\(use)"
        case .virtualAddress: return "the virtual service's own address"
        case .otherFamily(let family): return "an \(family) address for a service of the other family (only tunnels mix them)"
        case .outsideAllowedNetworks(let networks):
            return networks.isEmpty ? "no network is allowed" : "outside the allowed networks: " + networks.map(\.description).joined(separator: ", ")
        }
    }
}
