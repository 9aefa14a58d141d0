#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import LVSModel
import Synchronization

/// Turns replicas' application_names into addresses: a literal IP as it is, a host name
/// through the system resolver (/etc/hosts, DNS), as the seed's agent did via ipvsadm.
///
/// getaddrinfo blocks (10 s with a DNS server that never answers: longer than the watchdog), so
/// lookups run on other threads and a round waits for the ones it started no longer than its
/// budget. Answers are kept for `freshFor`, and a known name keeps its last address while a
/// refresh fails or hangs (a resolver outage must not take servers out). A lookup that hangs is
/// not started again while it runs, and at most `maximumLookups` run at once, so a writer
/// listing thousands of names cannot exhaust the threads.
final class AddressResolver: Sendable {
    /// One lookup: name and family to an address, or nil.
    typealias Lookup = @Sendable (String, IPAddress.Family) -> IPAddress?

    struct Name: Hashable, Sendable {
        var name: String
        var family: IPAddress.Family
    }

    private struct Answer {
        var address: IPAddress?
        var at: ContinuousClock.Instant
        /// When a round last asked for the name: names nobody asks for any more are forgotten
        /// (a writer cycling through application_names must not grow the cache for ever).
        var asked: ContinuousClock.Instant
    }

    private struct State {
        var answers: [Name: Answer] = [:]
        var running: Set<Name> = []
    }

    private let state = Mutex(State())
    private let lookup: Lookup
    private let maximumLookups: Int
    /// How long an answer serves before it is looked up again; a name that did not resolve is
    /// tried again sooner.
    private let freshFor: Duration
    private let failedFreshFor: Duration
    private let forgetAfter: Duration

    init(lookup: @escaping Lookup = AddressResolver.systemLookup, maximumLookups: Int = 8,
         freshFor: Duration = .seconds(30), failedFreshFor: Duration = .seconds(5), forgetAfter: Duration = .seconds(600)) {
        self.lookup = lookup
        self.maximumLookups = maximumLookups
        self.freshFor = freshFor
        self.failedFreshFor = failedFreshFor
        self.forgetAfter = forgetAfter
    }

    /// How many names the cache holds (for tests).
    var cachedNames: Int { state.withLock { $0.answers.count } }

    /// The addresses of `names` as known after waiting at most `budget` for lookups this call
    /// starts; a name with no answer yet is absent.
    func addresses(of names: Set<Name>, within budget: Duration) -> [Name: IPAddress] {
        var known: [Name: IPAddress] = [:]
        var toLookUp: [Name] = []
        let now = ContinuousClock.now
        state.withLock { state in
            for name in names {
                if let literal = IPAddress(name.name) {
                    known[name] = literal
                    continue
                }
                guard AddressResolver.mayBeHostName(name.name) else { continue }
                state.answers[name]?.asked = now
                let answer = state.answers[name]
                let fresh = answer.map { now - $0.at < ($0.address == nil ? failedFreshFor : freshFor) } ?? false
                if !fresh, !state.running.contains(name), state.running.count < maximumLookups {
                    state.running.insert(name)
                    toLookUp.append(name)
                }
            }
        }
        if !toLookUp.isEmpty {
            let group = DispatchGroup()
            let lookup = self.lookup
            for name in toLookUp {
                // A queue of its own (overcommitting: a thread of its own) per lookup, since
                // getaddrinfo blocks, and blocked threads of the shared pool would starve others.
                DispatchQueue(label: "pglvsd.resolve").async(group: group) { [weak self] in
                    let address = lookup(name.name, name.family)
                    self?.state.withLock { state in
                        state.running.remove(name)
                        state.answers[name] = Answer(address: address ?? state.answers[name]?.address, at: .now, asked: .now)
                    }
                }
            }
            let (seconds, attoseconds) = min(max(budget, .zero), .seconds(10)).components
            _ = group.wait(timeout: .now() + .nanoseconds(Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)))
        }
        state.withLock { state in
            for name in names where known[name] == nil {
                if let address = state.answers[name]?.address { known[name] = address }
            }
            state.answers = state.answers.filter { now - $0.value.asked < forgetAfter }
        }
        return known
    }

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
