import LVSModel

/// Every name one real server goes by, and its address. Rows and static entries are keyed by
/// name (a host name or an address text), but weights and maintenance marks belong to the
/// server: an entry under any of its names or its address applies to it, whichever row won.
public struct ServerIdentity: Hashable, Sendable {
    public var address: IPAddress
    /// What logs and status call it: a host name when one is known, else the address text.
    public var name: String
    /// Its other names this cycle (other rows' application_names, static entries), sorted.
    public var aliases: [String]

    /// - Parameters:
    ///   - preferred: the name of the row (or static entry) the server was judged on.
    ///   - others: the names of the other rows and entries that resolve to the same address.
    public init(address: IPAddress, preferred: String, others: some Sequence<String> = [String]()) {
        self.address = address
        let all = Set(others).union([preferred])
        // A name is steadier in logs than an address text, whichever row won this cycle.
        let hostNames = all.filter { IPAddress($0) == nil }.sorted()
        name = IPAddress(preferred) == nil ? preferred : hostNames.first ?? preferred
        aliases = all.subtracting([name]).sorted()
    }

    /// The same server known by one more name (a static entry that resolves to it).
    func adding(_ other: String) -> ServerIdentity {
        ServerIdentity(address: address, preferred: name, others: aliases + [other])
    }

    /// The keys a weight or a mark may be listed under: its names, then its address text.
    public var keys: [String] {
        var keys = [name] + aliases
        if !keys.contains(address.description) { keys.append(address.description) }
        return keys
    }

    /// The operator's mark on the server under any of its keys. When marks disagree the
    /// stronger holds (exclude over drain): a second entry must never undo an operator's
    /// decision to take a server out.
    public func mark(in marks: [String: MaintenanceMode]) -> MaintenanceMode? {
        let found = keys.compactMap { marks[$0] }
        if found.contains(.exclude) { return .exclude }
        return found.first
    }
}
