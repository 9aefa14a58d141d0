import Testing
import LVSModel
@testable import PoolCore

/// Addresses no real server may have, refused by name whoever put them forward: a row, a
/// static entry, a host name that resolved there, the kernel's table, the writer for fallback.
@Suite struct RealServerAddressTests {
    static let vip = ip("10.0.0.200")

    @Test(arguments: [
        ("127.0.0.1", "address 127.0.0.1 cannot be a real server (loopback)"),
        ("0.0.0.0", "address 0.0.0.0 cannot be a real server (unspecified)"),
        ("255.255.255.255", "address 255.255.255.255 cannot be a real server (broadcast)"),
        ("224.0.0.1", "address 224.0.0.1 cannot be a real server (multicast)"),
        ("169.254.169.254", "address 169.254.169.254 cannot be a real server (link-local)"),
        ("::1", "address ::1 cannot be a real server (loopback)"),
        ("10.0.0.200", "address 10.0.0.200 cannot be a real server (the virtual service's own address)"),
    ])
    func aRowAtAnUnusableAddressIsExcludedByName(address: String, reason: String) {
        var run = PoolRun()
        let result = run.cycle(.reachable([replica("rogue", address), replica("node2", "10.0.0.12")]),
                               virtualAddress: Self.vip)
        #expect(result.pool == ["10.0.0.12 1"])
        #expect(result.exclusions.map { "\($0.name): \($0.reason)" } == ["rogue: \(reason)"])
    }

    /// A static host name that resolves to loopback (Debian's 127.0.1.1 line for the host's own name).
    @Test func aStaticNameResolvingToLoopbackIsRefused() {
        var run = PoolRun()
        let result = run.cycle(.unavailable("not asked"), probes: [at("127.0.1.1"): .standby(replayDelaySeconds: 0)],
                               staticCandidates: [StaticCandidate(name: "director", address: ip("127.0.1.1"))],
                               discovery: .static, virtualAddress: Self.vip)
        #expect(result.members.isEmpty)
        #expect(result.exclusions == [Exclusion(name: "director", reason: .unusableAddress(ip("127.0.1.1"), .specialUse(.loopback)))])
    }

    /// One the kernel already holds (put there before this check existed) leaves at once.
    @Test func anAdoptedUnusableRealServerLeavesAtOnce() {
        var run = PoolRun(policy: PoolPolicy(realServerPort: 5432, rise: 2, fall: 3),
                          adopting: [Destination(endpoint: at("127.0.0.1"), forwarding: .directRoute, weight: 1),
                                     Destination(endpoint: at("10.0.0.12"), forwarding: .directRoute, weight: 1)])
        let result = run.cycle(.unavailable("writer down"), probes: [at("127.0.0.1"): .standby(replayDelaySeconds: 0),
                                                                    at("10.0.0.12"): .standby(replayDelaySeconds: 0)],
                               virtualAddress: Self.vip)
        #expect(result.pool == ["10.0.0.12 1"])
    }

    /// A writer reached over loopback (conninfo host=localhost) cannot serve as the fallback.
    @Test func aWriterAtLoopbackIsNoFallback() {
        var run = PoolRun(policy: PoolPolicy(realServerPort: 5432, rise: 1, fallbackToPrimary: true))
        run.primary = at("127.0.0.1")
        let result = run.cycle(.reachable([]), virtualAddress: Self.vip)
        #expect(result.members.isEmpty)
        #expect(result.warnings.contains("fallback_to_primary: the writer's address 127.0.0.1 cannot be a real server (loopback)"))
        run.primary = at("10.0.0.11")
        #expect(run.cycle(.reachable([]), virtualAddress: Self.vip).pool == ["10.0.0.11 1"])
    }
}
