import Dispatch
import LVSModel
import Synchronization
import Testing
@testable import pglvsd

/// Answers names from a table; a gated name's lookup blocks until the test opens its gate.
private final class GatedLookup: Sendable {
    let table: [String: IPAddress]
    let gates: [String: DispatchSemaphore]
    let calls = Mutex<[String]>([])

    init(_ table: [String: String], gated: [String] = []) {
        self.table = table.compactMapValues(IPAddress.init)
        gates = Dictionary(uniqueKeysWithValues: gated.map { ($0, DispatchSemaphore(value: 0)) })
    }

    var lookup: AddressResolver.Lookup {
        { [self] name, _ in
            calls.withLock { $0.append(name) }
            gates[name]?.wait()
            return table[name]
        }
    }

    func open(_ name: String, times: Int = 1) {
        for _ in 0..<times { gates[name]?.signal() }
    }

    func count(_ name: String) -> Int { calls.withLock { $0.filter { $0 == name }.count } }
}

/// What one `resolve` callback brought, when, and on which queue.
private final class Callback: Sendable {
    static let key = DispatchSpecificKey<String>()
    let queue = DispatchQueue(label: "test.loop")
    let came = DispatchSemaphore(value: 0)
    private let answer = Mutex<(known: [AddressResolver.Name: IPAddress], at: ContinuousClock.Instant, onQueue: Bool)?>(nil)

    init() { queue.setSpecific(key: Callback.key, value: "loop") }

    var answered: AddressResolver.Answered {
        { [self] known in
            answer.withLock { $0 = (known, .now, DispatchQueue.getSpecific(key: Callback.key) == "loop") }
            came.signal()
        }
    }

    var result: (known: [AddressResolver.Name: IPAddress], at: ContinuousClock.Instant, onQueue: Bool)? {
        answer.withLock { $0 }
    }

    /// Waits (on the test's thread) for the callback; false if it never came.
    func wait() -> Bool { came.wait(timeout: .now() + .seconds(5)) == .success }
}

/// The loop's queue asks and never waits: `knownAddresses` says what is known now, `resolve`
/// calls back on the given queue once the lookups are in or the budget has passed.
@Suite struct AddressResolverCallbackTests {
    /// A hanging lookup (a DNS server that never answers) costs the callback its budget, and
    /// what did resolve comes with it; the caller never waits.
    @Test func aHangingLookupHoldsTheCallbackToTheBudgetWithPartialAnswers() {
        let fake = GatedLookup(["db1": "10.0.0.21"], gated: ["ghost"])
        defer { fake.open("ghost", times: 4) }
        let resolver = AddressResolver(lookup: fake.lookup)
        let callback = Callback()
        let started = ContinuousClock.now
        resolver.resolve(names("db1", "ghost", "10.0.0.13"), within: .milliseconds(500), on: callback.queue,
                         answered: callback.answered)
        #expect(ContinuousClock.now - started < .milliseconds(250), "the caller waited for the lookups")
        #expect(callback.result == nil)
        #expect(callback.wait())
        let result = callback.result
        #expect(result?.known == [name("db1"): IPAddress("10.0.0.21")!, name("10.0.0.13"): IPAddress("10.0.0.13")!])
        #expect(result?.onQueue == true)
        #expect(result.map { $0.at - started >= .milliseconds(500) } == true, "called back before the budget with a lookup out")
        #expect(resolver.waitingCallers == 0)
    }

    /// A slow lookup that answers within the budget calls back when it answers, not at the budget.
    @Test func aSlowLookupCallsBackWhenItAnswers() {
        let fake = GatedLookup(["db1": "10.0.0.21"], gated: ["db1"])
        let resolver = AddressResolver(lookup: fake.lookup)
        let callback = Callback()
        resolver.resolve(names("db1"), within: .seconds(10), on: callback.queue, answered: callback.answered)
        #expect(resolver.waitingCallers == 1)
        #expect(eventually { fake.count("db1") == 1 })
        #expect(callback.result == nil)
        fake.open("db1")
        // Well before the 10 s budget.
        #expect(callback.wait())
        #expect(callback.result?.known == [name("db1"): IPAddress("10.0.0.21")!])
        #expect(callback.result?.onQueue == true)
    }

    /// The round's start looks up its last rows' names without waiting; when the writer's rows
    /// name one a moment later, that running lookup is waited for (not started again), so a new
    /// replica is probed in the round its row first appears.
    @Test func aLookupAnotherCallStartedIsWaitedFor() {
        let fake = GatedLookup(["db2": "10.0.0.22"], gated: ["db2"])
        let resolver = AddressResolver(lookup: fake.lookup)
        #expect(resolver.knownAddresses(of: names("db2")).isEmpty)
        let first = Callback(), second = Callback()
        resolver.resolve(names("db2"), within: .seconds(10), on: first.queue, answered: first.answered)
        resolver.resolve(names("db2"), within: .seconds(10), on: second.queue, answered: second.answered)
        #expect(resolver.waitingCallers == 2)
        fake.open("db2")
        #expect(first.wait() && second.wait())
        #expect(first.result?.known[name("db2")] == IPAddress("10.0.0.22"))
        #expect(second.result?.known[name("db2")] == IPAddress("10.0.0.22"))
        #expect(fake.count("db2") == 1)
    }

    /// What is known now never waits; the lookup it started serves a later call.
    @Test func knownAddressesNeverWaitsAndServesLaterAnswers() {
        let fake = GatedLookup(["db3": "10.0.0.23"], gated: ["db3"])
        let resolver = AddressResolver(lookup: fake.lookup)
        #expect(resolver.knownAddresses(of: names("db3", "10.0.0.13")) == [name("10.0.0.13"): IPAddress("10.0.0.13")!])
        #expect(resolver.waitingCallers == 0)
        fake.open("db3")
        #expect(eventually { resolver.knownAddresses(of: names("db3"))[name("db3")] == IPAddress("10.0.0.23") })
        #expect(fake.count("db3") == 1)
    }

    /// Nothing to look up: the callback still comes on the queue, never on the caller's stack.
    @Test func nothingToLookUpCallsBackOnTheQueue() {
        let resolver = AddressResolver(lookup: GatedLookup([:]).lookup)
        let callback = Callback()
        callback.queue.sync {
            resolver.resolve(names("10.0.0.13"), within: .seconds(1), on: callback.queue, answered: callback.answered)
            #expect(callback.result == nil)
        }
        #expect(callback.wait())
        #expect(callback.result?.known == [name("10.0.0.13"): IPAddress("10.0.0.13")!])
        #expect(callback.result?.onQueue == true)
    }
}
