import Testing
import IPVS
import LVSModel

/// Everything the module writes is what ipvsadm reads back, and what the module dumps matches it.
extension IPVSKernelTests {
@Suite(.serialized)
final class IPVSRoundTripTests {
    let client: IPVSClient

    init() throws {
        client = try IPVSClient()
        try client.flush()
    }

    deinit { try? client.flush() }

    static let schedulers = ["rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh"]

    func expectIpvsadmAgrees(_ listings: [IPVSListing] = [.standard], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let options: [IPVSListing: [String]] = [
            .standard: [], .stats: ["--stats"], .rate: ["--rate"], .thresholds: ["--thresholds"],
            .persistentConnections: ["--persistent-conn"], .tunnelInfo: ["--tun-info"],
        ]
        for listing in listings {
            let theirs = try KernelLab.run("/usr/sbin/ipvsadm", ["-Ln"] + options[listing]!)
            let ours = try KernelLab.rendered(client, listing)
            #expect(ours == theirs, "ipvsadm -Ln \(options[listing]!.joined()) disagrees", sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: schedulers)
    func everySchedulerRoundTrips(scheduler: String) throws {
        let service = VirtualService(key: .endpoint(.tcp, KernelLab.endpoint("10.9.0.200", 5432)), scheduler: scheduler)
        try client.addService(service)
        let destination = Destination(endpoint: KernelLab.endpoint("10.9.0.12", 5432), forwarding: .directRoute, weight: 3)
        try client.addDestination(destination, to: service.key)
        #expect(try client.services().map(\.settingsOnly) == [service])
        #expect(try client.destinations(of: service.key).map(\.settingsOnly) == [destination])
        try expectIpvsadmAgrees([.standard, .stats, .rate, .thresholds, .persistentConnections, .tunnelInfo])
    }

    @Test func everyForwardingMethodAndDestinationFieldRoundTrips() throws {
        let key = VirtualServiceKey.endpoint(.tcp, KernelLab.endpoint("10.9.0.200", 5432))
        try client.addService(VirtualService(key: key, scheduler: "wlc"))
        let written = [
            Destination(endpoint: KernelLab.endpoint("10.9.0.12", 5432), forwarding: .directRoute, weight: 3,
                        upperThreshold: 100, lowerThreshold: 10),
            Destination(endpoint: KernelLab.endpoint("10.9.0.13", 6432), forwarding: .masquerade, weight: 0),
            Destination(endpoint: KernelLab.endpoint("10.9.0.14", 5432), forwarding: .tunnel, weight: 1,
                        tunnel: TunnelSettings(encapsulation: .ipip)),
            Destination(endpoint: KernelLab.endpoint("10.9.0.15", 5432), forwarding: .tunnel, weight: 1,
                        tunnel: TunnelSettings(encapsulation: .gue, port: 6080, flags: [])),
            Destination(endpoint: KernelLab.endpoint("10.9.0.16", 5432), forwarding: .tunnel, weight: 1,
                        tunnel: TunnelSettings(encapsulation: .gre, flags: .checksum)),
            Destination(endpoint: KernelLab.endpoint("10.9.0.17", 5432), forwarding: .tunnel, weight: 2_147_483_647,
                        upperThreshold: 4_000_000, tunnel: TunnelSettings(encapsulation: .gue, port: 5555, flags: .remoteChecksum)),
        ]
        for destination in written { try client.addDestination(destination, to: key) }
        let dumped = try client.destinations(of: key).map(\.settingsOnly).sorted { $0.endpoint < $1.endpoint }
        #expect(dumped == written)
        try expectIpvsadmAgrees([.standard, .thresholds, .tunnelInfo, .persistentConnections, .stats])

        // The director itself as a real server (ipvsadm's "Local").
        let local = Destination(endpoint: KernelLab.endpoint("10.9.0.1", 5432), forwarding: .local, weight: 1)
        try client.addDestination(local, to: key)
        #expect(try client.destinations(of: key).first { $0.endpoint == local.endpoint }?.settingsOnly == local)
        try expectIpvsadmAgrees()
    }

    @Test func ipv6ServicesAndMixedFamilyTunnelsRoundTrip() throws {
        let key = VirtualServiceKey.endpoint(.tcp, KernelLab.endpoint("fd09::200", 5432))
        try client.addService(VirtualService(key: key, scheduler: "rr"))
        let written = [
            Destination(endpoint: KernelLab.endpoint("fd09::12", 5432), forwarding: .directRoute, weight: 1),
            Destination(endpoint: KernelLab.endpoint("fd09::13", 6432), forwarding: .masquerade, weight: 2),
            // The kernel allows a destination of the other family only behind a tunnel.
            Destination(endpoint: KernelLab.endpoint("10.9.0.14", 5432), forwarding: .tunnel, weight: 3,
                        tunnel: TunnelSettings(encapsulation: .ipip)),
        ]
        for destination in written { try client.addDestination(destination, to: key) }
        #expect(Set(try client.destinations(of: key).map(\.settingsOnly)) == Set(written))
        try expectIpvsadmAgrees([.standard, .tunnelInfo])
    }

    @Test func firewallMarkServicesRoundTrip() throws {
        let v4 = VirtualService(key: .firewallMark(7, .inet), scheduler: "rr")
        let v6 = VirtualService(key: .firewallMark(8, .inet6), scheduler: "wrr")
        try client.addService(v4)
        try client.addService(v6)
        try client.addDestination(Destination(endpoint: KernelLab.endpoint("10.9.0.12", 0), forwarding: .directRoute, weight: 1), to: v4.key)
        try client.addDestination(Destination(endpoint: KernelLab.endpoint("fd09::12", 0), forwarding: .directRoute, weight: 1), to: v6.key)
        #expect(Set(try client.services().map(\.settingsOnly)) == [v4, v6])
        try expectIpvsadmAgrees()
    }

    @Test func persistenceEnginesAndSchedulerFlagsRoundTrip() throws {
        let services = [
            VirtualService(key: .endpoint(.tcp, KernelLab.endpoint("10.9.0.200", 80)), scheduler: "sh",
                           flags: [.persistent, .shFallback, .shPort], persistenceTimeout: 300, netmask: 0xffff_ff00),
            VirtualService(key: .endpoint(.tcp, KernelLab.endpoint("fd09::200", 5432)), scheduler: "mh",
                           flags: [.persistent, .mhFallback], persistenceTimeout: 60, netmask: 64),
            VirtualService(key: .endpoint(.udp, KernelLab.endpoint("10.9.0.200", 53)), scheduler: "wlc", flags: .onePacket),
            VirtualService(key: .endpoint(.udp, KernelLab.endpoint("10.9.0.200", 5060)), scheduler: "rr",
                           flags: .persistent, persistenceTimeout: 120, persistenceEngine: "sip"),
            VirtualService(key: .endpoint(.sctp, KernelLab.endpoint("10.9.0.200", 3868)), scheduler: "rr"),
            VirtualService(key: .firewallMark(9, .inet), scheduler: "rr", flags: .persistent, persistenceTimeout: 360),
        ]
        for service in services { try client.addService(service) }
        #expect(Set(try client.services().map(\.settingsOnly)) == Set(services))
        try expectIpvsadmAgrees()
    }

    @Test func editsRoundTrip() throws {
        var service = VirtualService(key: .endpoint(.tcp, KernelLab.endpoint("10.9.0.200", 5432)), scheduler: "rr")
        try client.addService(service)
        var destination = Destination(endpoint: KernelLab.endpoint("10.9.0.12", 5432), forwarding: .directRoute, weight: 1)
        try client.addDestination(destination, to: service.key)

        service.scheduler = "wlc"
        service.flags = .persistent
        service.persistenceTimeout = 30
        try client.editService(service)
        destination.weight = 0
        destination.upperThreshold = 50
        try client.editDestination(destination, of: service.key)

        #expect(try client.services().map(\.settingsOnly) == [service])
        #expect(try client.destinations(of: service.key).map(\.settingsOnly) == [destination])
        try expectIpvsadmAgrees([.standard, .thresholds])
    }

    @Test func deletesRoundTrip() throws {
        let key = VirtualServiceKey.endpoint(.tcp, KernelLab.endpoint("10.9.0.200", 5432))
        try client.addService(VirtualService(key: key, scheduler: "rr"))
        for host in 12...14 {
            try client.addDestination(Destination(endpoint: KernelLab.endpoint("10.9.0.\(host)", 5432), forwarding: .directRoute, weight: 1), to: key)
        }
        try client.deleteDestination(KernelLab.endpoint("10.9.0.13", 5432), from: key)
        #expect(try client.destinations(of: key).map(\.endpoint.address.description).sorted() == ["10.9.0.12", "10.9.0.14"])
        try expectIpvsadmAgrees()
        try client.deleteService(key)
        #expect(try client.services().isEmpty)
        try expectIpvsadmAgrees()
    }

    @Test func timeoutsRoundTrip() throws {
        let original = try client.timeouts()
        #expect(try KernelLab.ipvsadm("-Ln", "--timeout") == IPVSTableText.render(original))
        try client.setTimeouts(IPVSTimeouts(tcp: 1800, tcpFin: 60, udp: 200))
        #expect(try client.timeouts() == IPVSTimeouts(tcp: 1800, tcpFin: 60, udp: 200))
        #expect(try KernelLab.ipvsadm("-Ln", "--timeout") == "Timeout (tcp tcpfin udp): 1800 60 200\n")
        try client.setTimeouts(original)
        #expect(try client.timeouts() == original)
    }

    @Test func tenThousandDestinationsDumpCompletely() throws {
        let key = VirtualServiceKey.endpoint(.tcp, KernelLab.endpoint("10.9.0.200", 5432))
        try client.addService(VirtualService(key: key, scheduler: "wrr"))
        var written: [SocketEndpoint: UInt32] = [:]
        for index in 0..<10_000 {
            let endpoint = KernelLab.endpoint("10.9.\(1 + index / 250).\(1 + index % 250)", 5432)
            let weight = UInt32(index % 100)
            try client.addDestination(Destination(endpoint: endpoint, forwarding: .directRoute, weight: weight), to: key)
            written[endpoint] = weight
        }
        let dumped = try client.destinations(of: key)
        #expect(dumped.count == 10_000)
        #expect(Dictionary(uniqueKeysWithValues: dumped.map { ($0.endpoint, $0.weight) }) == written)
        try expectIpvsadmAgrees()
    }
}
}
