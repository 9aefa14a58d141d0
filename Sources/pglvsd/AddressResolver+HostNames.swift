#if canImport(Glibc)
import Glibc
#endif
import LVSModel

/// What may be looked up, and the system's lookup.
extension AddressResolver {
    /// Host names are at most 253 characters of letters, digits, '-', '.' and '_' (which some
    /// resolvers accept); anything else is not looked up at all.
    /// A name that only looks like an address (`10.1`, `10.0.0.012`, `0x0a000001`: inet_aton
    /// would read them as some other address than they say) is not a host name either.
    static func mayBeHostName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 253, name.utf8.allSatisfy({ byte in
            (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7a)
                || byte == 0x2d || byte == 0x2e || byte == 0x5f
        }) else { return false }
        let last = name.split(separator: ".").last ?? ""
        let numeric = last.allSatisfy(\.isNumber) || (last.lowercased().hasPrefix("0x") && last.dropFirst(2).allSatisfy(\.isHexDigit))
        return !numeric
    }

    /// getaddrinfo, first answer of the family.
    static let systemLookup: Lookup = { name, family in
        var hints = addrinfo()
        hints.ai_family = family == .inet ? AF_INET : AF_INET6
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var results: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(name, nil, &hints, &results) == 0, let first = results else { return nil }
        defer { freeaddrinfo(results) }
        return first.pointee.ai_addr.flatMap(ipAddress(of:))
    }
}
