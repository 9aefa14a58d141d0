/// An IPv4 or IPv6 network: an address and a prefix length (`10.0.0.0/24`, `fd00::/64`).
public struct IPNetwork: Hashable, Sendable, CustomStringConvertible {
    /// The network's first address (the host bits cleared).
    public let address: IPAddress
    public let prefixLength: Int

    /// `address` with its host bits cleared; nil when the prefix does not fit the family.
    public init?(address: IPAddress, prefixLength: Int) {
        let bits = address.bytes.count * 8
        guard prefixLength >= 0, prefixLength <= bits else { return nil }
        self.prefixLength = prefixLength
        self.address = IPAddress(bytes: IPNetwork.masked(address.bytes, prefixLength))!
    }

    /// `ADDRESS/PREFIX`, or a bare address (one host). A network with host bits set
    /// (`10.0.0.1/24`) is refused: it is more likely a typo than meant.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(String(parts[0])) else { return nil }
        let bits = address.bytes.count * 8
        var length = bits
        if parts.count == 2 {
            guard !parts[1].isEmpty, parts[1].count <= 3, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }),
                  let parsed = Int(parts[1]) else { return nil }
            length = parsed
        }
        guard let network = IPNetwork(address: address, prefixLength: length), network.address == address else { return nil }
        self = network
    }

    public func contains(_ other: IPAddress) -> Bool {
        other.family == address.family && IPNetwork.masked(other.bytes, prefixLength) == address.bytes
    }

    public var description: String { "\(address)/\(prefixLength)" }

    private static func masked(_ bytes: [UInt8], _ prefixLength: Int) -> [UInt8] {
        bytes.enumerated().map { index, byte in
            let kept = min(max(prefixLength - index * 8, 0), 8)
            return kept == 8 ? byte : byte & UInt8(truncatingIfNeeded: 0xff << (8 - kept))
        }
    }
}
