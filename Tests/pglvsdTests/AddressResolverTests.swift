import Dispatch
import Glibc
import LVSModel
import Synchronization
import Testing
@testable import pglvsd

/// Counts lookups and answers as told; `hang` makes every lookup block until released.
private final class FakeResolver: Sendable {
    let calls = Mutex(0)
    let answer = Mutex<IPAddress?>(IPAddress("10.0.0.12"))
    let release = DispatchSemaphore(value: 0)
    let hang: Bool

    init(hang: Bool = false) { self.hang = hang }

    var lookup: AddressResolver.Lookup {
        { [self] _, _ in
            calls.withLock { $0 += 1 }
            if hang { release.wait() }
            return answer.withLock { $0 }
        }
    }
}

func names(_ list: String...) -> Set<AddressResolver.Name> {
    Set(list.map { AddressResolver.Name(name: $0, family: .inet) })
}

func name(_ name: String) -> AddressResolver.Name {
    AddressResolver.Name(name: name, family: .inet)
}

/// Polls `condition` until it holds or 5 s have passed (lookups run on other threads).
func eventually(_ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now + .seconds(5)
    while !condition() {
        guard ContinuousClock.now < deadline else { return false }
        usleep(1_000)
    }
    return true
}

extension AddressResolver {
    /// `resolve`'s answer, waited for on the test's thread (nil if it never came).
    func answers(of names: Set<Name>, within budget: Duration) -> [Name: IPAddress]? {
        let came = DispatchSemaphore(value: 0)
        let answer = Mutex<[Name: IPAddress]?>(nil)
        resolve(names, within: budget, on: DispatchQueue(label: "test.answers")) { known in
            answer.withLock { $0 = known }
            came.signal()
        }
        guard came.wait(timeout: .now() + .seconds(15)) == .success else { return nil }
        return answer.withLock { $0 }
    }
}

@Suite struct AddressResolverTests {
    /// A DNS server that never answers held the loop 10 s per name (longer than the watchdog):
    /// now a lookup is waited for no longer than its budget from its start, and a hung lookup
    /// is not started again.
    @Test func aHungLookupIsWaitedForOnlyWithinItsBudget() throws {
        let fake = FakeResolver(hang: true)
        defer { for _ in 0..<16 { fake.release.signal() } }
        let resolver = AddressResolver(lookup: fake.lookup)
        #expect(resolver.answers(of: names("db1"), within: .milliseconds(100)) == [:])
        // Its budget spent: a second caller is called back at once, without waiting for it.
        let queue = DispatchQueue(label: "test.second")
        let came = DispatchSemaphore(value: 0)
        resolver.resolve(names("db1"), within: .milliseconds(100), on: queue) { _ in came.signal() }
        #expect(resolver.waitingCallers == 0, "the second caller waits for the hung lookup again")
        #expect(came.wait(timeout: .now() + .seconds(5)) == .success)
        #expect(eventually { fake.calls.withLock { $0 } >= 1 })
        #expect(fake.calls.withLock { $0 } == 1)
    }

    @Test func atMostEightLookupsRunAtOnce() {
        let fake = FakeResolver(hang: true)
        defer { for _ in 0..<16 { fake.release.signal() } }
        let resolver = AddressResolver(lookup: fake.lookup)
        let many = Set((1...40).map { AddressResolver.Name(name: "replica\($0)", family: .inet) })
        #expect(resolver.knownAddresses(of: many).isEmpty)
        // Lookups start on other threads: wait for them to have begun.
        #expect(eventually { fake.calls.withLock { $0 } >= 8 })
        _ = resolver.knownAddresses(of: many)
        #expect(fake.calls.withLock { $0 } == 8)
    }

    @Test func literalsAreNeverLookedUpAndOddNamesNeverResolved() {
        let fake = FakeResolver()
        let resolver = AddressResolver(lookup: fake.lookup)
        // inet_aton would read these as other addresses than they say.
        let odd = names("10.0.0.13", "bad name\n", "", "10.1", "10.0.0.012", "0x0a000001", "db.0X1f")
        #expect(resolver.knownAddresses(of: odd) == [name("10.0.0.13"): IPAddress("10.0.0.13")!])
        #expect(resolver.answers(of: odd, within: .seconds(1)) == [name("10.0.0.13"): IPAddress("10.0.0.13")!])
        #expect(fake.calls.withLock { $0 } == 0)
    }

    /// A resolver outage must not take servers out: a refresh that fails keeps the last address.
    @Test func aFailedRefreshKeepsTheLastAddress() {
        let fake = FakeResolver()
        let resolver = AddressResolver(lookup: fake.lookup, freshFor: .zero, failedFreshFor: .zero)
        let db1 = name("db1")
        #expect(resolver.answers(of: [db1], within: .seconds(2))?[db1] == IPAddress("10.0.0.12"))
        fake.answer.withLock { $0 = nil }
        #expect(resolver.answers(of: [db1], within: .seconds(2))?[db1] == IPAddress("10.0.0.12"))
        #expect(fake.calls.withLock { $0 } == 2)
    }
}

@Suite struct AddressResolverMemoryTests {
    /// A writer cycling through application_names must not grow the cache for ever: names no
    /// caller asks for any more are forgotten.
    @Test func namesNoLongerAskedForAreForgotten() {
        let fake = FakeResolver()
        let resolver = AddressResolver(lookup: fake.lookup, forgetAfter: .milliseconds(50))
        for round in 0..<20 {
            _ = resolver.answers(of: names("rotating\(round)"), within: .seconds(1))
        }
        usleep(100_000)
        _ = resolver.answers(of: names("db1"), within: .seconds(1))
        #expect(resolver.cachedNames == 1)
    }
}

@Suite struct ProbeBudgetTests {
    /// Each probe holds a connection: a writer listing thousands of rows gets 512 probes, the
    /// tracked servers first, the same ones round after round.
    @Test func trackedServersKeepTheirProbesWithinTheBudget() {
        let candidates = Set((1...600).map { SocketEndpoint(address: .v4(0x0A00_0000 + UInt32($0)), port: 5432) })
        let tracked = Set([SocketEndpoint(address: .v4(0x0A00_0000 + 600), port: 5432)])
        let (probed, left) = ProbeBudget.select(candidates, tracked: tracked)
        #expect(probed.count == 512 && left == 88)
        #expect(probed.isSuperset(of: tracked))
        #expect(ProbeBudget.select(candidates, tracked: tracked).probed == probed)
        #expect(ProbeBudget.select(Set(candidates.prefix(10)), tracked: []).left == 0)
    }

    /// Servers only standbys name (cascade) come after the writer's, however their addresses sort.
    @Test func serversOnlyStandbysNameComeLast() {
        let endpoint = { (n: UInt32) in SocketEndpoint(address: .v4(0x0A00_0000 + n), port: 5432) }
        let cascaded = Set((1...400).map(endpoint))
        let writers = Set((401...600).map(endpoint))
        let (probed, left) = ProbeBudget.select(cascaded.union(writers), tracked: [], last: cascaded)
        #expect(probed.isSuperset(of: writers) && left == 88)
    }
}
