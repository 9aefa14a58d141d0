import Dispatch
import LVSModel
import Synchronization

/// Turns replicas' application_names into addresses: a literal IP as it is, a host name
/// through the system resolver (/etc/hosts, DNS), as the seed's agent did via ipvsadm.
///
/// getaddrinfo blocks (10 s with a DNS server that never answers: longer than the watchdog), so
/// lookups run on other threads and nothing here ever waits on the caller's (the loop's queue,
/// whose timers and sockets a wait would hold back): `knownAddresses` says what is known now,
/// `resolve` calls back once the lookups are in or the budget has passed. Answers are kept for
/// `freshFor`, and a known name keeps its last address while a refresh fails or hangs (a
/// resolver outage must not take servers out). A lookup that hangs is not started again while
/// it runs, and at most `maximumLookups` run at once, so a writer listing thousands of names
/// cannot exhaust the threads.
final class AddressResolver: Sendable {
    /// One lookup: name and family to an address, or nil.
    typealias Lookup = @Sendable (String, IPAddress.Family) -> IPAddress?
    /// What `resolve` calls back with: the addresses known of the names asked.
    typealias Answered = @Sendable ([Name: IPAddress]) -> Void

    struct Name: Hashable, Sendable {
        var name: String
        var family: IPAddress.Family
    }

    private struct Answer {
        var address: IPAddress?
        var at: ContinuousClock.Instant
        /// When a caller last asked for the name: names nobody asks for any more are forgotten
        /// (a writer cycling through application_names must not grow the cache for ever).
        var asked: ContinuousClock.Instant
    }

    /// A `resolve` call waiting for the lookups of its names.
    private struct Waiter: Sendable {
        let names: Set<Name>
        var pending: Set<Name>
        let queue: DispatchQueue
        let answered: Answered
    }

    private struct State {
        var answers: [Name: Answer] = [:]
        /// The lookups running and when each started: a caller waits for one no longer than its
        /// budget from then, so a hung lookup costs one budget, not one per caller.
        var running: [Name: ContinuousClock.Instant] = [:]
        var waiters: [Int: Waiter] = [:]
        var nextWaiter = 0
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
    /// How many `resolve` calls wait for lookups (for tests).
    var waitingCallers: Int { state.withLock { $0.waiters.count } }

    /// The addresses of `names` known now (literal IPs, answers kept); a name with no answer
    /// yet is absent. Starts lookups of the names not fresh, for a later call. Never waits.
    func knownAddresses(of names: Set<Name>) -> [Name: IPAddress] {
        let (addresses, started) = state.withLock { state -> ([Name: IPAddress], [Name]) in
            let started = self.ask(names, in: &state, now: .now)
            return (self.known(names, in: state), started)
        }
        launch(started)
        return addresses
    }

    /// Starts lookups as `knownAddresses` does, then calls `answered` on `queue` with what is
    /// known of `names` once every lookup of them running (this call's, or one another call
    /// started less than `budget` ago) has answered or `budget` has passed, whichever is first.
    /// Never waits, and never calls back on the caller's stack.
    func resolve(_ names: Set<Name>, within budget: Duration, on queue: DispatchQueue, answered: @escaping Answered) {
        let now = ContinuousClock.now
        let budget = min(max(budget, .zero), .seconds(10))
        let (waiter, deadline, started) = state.withLock { state -> (Int?, ContinuousClock.Instant, [Name]) in
            let started = ask(names, in: &state, now: now)
            let awaited = names.filter { state.running[$0].map { now - $0 < budget } ?? false }
            guard let deadline = awaited.compactMap({ state.running[$0] }).max().map({ $0 + budget }) else {
                return (nil, now, started)
            }
            let id = state.nextWaiter
            state.nextWaiter += 1
            state.waiters[id] = Waiter(names: names, pending: awaited, queue: queue, answered: answered)
            return (id, deadline, started)
        }
        launch(started)
        guard let waiter else {
            queue.async { answered(self.state.withLock { self.known(names, in: $0) }) }
            return
        }
        // Strongly held: the budget bounds how long.
        queue.asyncAfter(deadline: .now() + (deadline - now).dispatchInterval) {
            let expired = self.state.withLock { state in
                state.waiters.removeValue(forKey: waiter).map { ($0, self.known($0.names, in: state)) }
            }
            if let expired { expired.0.answered(expired.1) }
        }
    }

    /// Marks `names` asked, forgets names unasked for `forgetAfter`, and returns the names whose
    /// lookup must start (not fresh, not running, within `maximumLookups`), counted as running.
    private func ask(_ names: Set<Name>, in state: inout State, now: ContinuousClock.Instant) -> [Name] {
        var toLookUp: [Name] = []
        for name in names where IPAddress(name.name) == nil && AddressResolver.mayBeHostName(name.name) {
            state.answers[name]?.asked = now
            let answer = state.answers[name]
            let fresh = answer.map { now - $0.at < ($0.address == nil ? failedFreshFor : freshFor) } ?? false
            if !fresh, state.running[name] == nil, state.running.count < maximumLookups {
                state.running[name] = now
                toLookUp.append(name)
            }
        }
        state.answers = state.answers.filter { now - $0.value.asked < forgetAfter }
        return toLookUp
    }

    private func known(_ names: Set<Name>, in state: State) -> [Name: IPAddress] {
        var known: [Name: IPAddress] = [:]
        for name in names {
            if let address = IPAddress(name.name) ?? state.answers[name]?.address { known[name] = address }
        }
        return known
    }

    private func launch(_ names: [Name]) {
        let lookup = self.lookup
        for name in names {
            // A queue of its own (overcommitting: a thread of its own) per lookup, since
            // getaddrinfo blocks, and blocked threads of the shared pool would starve others.
            DispatchQueue(label: "pglvsd.resolve").async { [weak self] in
                let address = lookup(name.name, name.family)
                self?.answered(name, address: address)
            }
        }
    }

    /// A lookup ended: its answer is kept (a failure keeps the last address), and the callers
    /// it was the last one of are called back.
    private func answered(_ name: Name, address: IPAddress?) {
        let ready = state.withLock { state -> [(Waiter, [Name: IPAddress])] in
            state.running[name] = nil
            state.answers[name] = Answer(address: address ?? state.answers[name]?.address, at: .now, asked: .now)
            var ready: [(Waiter, [Name: IPAddress])] = []
            for (id, var waiter) in state.waiters where waiter.pending.contains(name) {
                waiter.pending.remove(name)
                if waiter.pending.isEmpty {
                    state.waiters[id] = nil
                    ready.append((waiter, known(waiter.names, in: state)))
                } else {
                    state.waiters[id] = waiter
                }
            }
            return ready
        }
        for (waiter, known) in ready { waiter.queue.async { waiter.answered(known) } }
    }
}
