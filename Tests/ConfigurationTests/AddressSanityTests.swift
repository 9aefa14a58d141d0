import Testing
@testable import Configuration

/// Addresses that can never carry the service, refused at load with their key path.
@Suite struct AddressSanityTests {
    @Test(arguments: [
        ("0.0.0.0", "unspecified"), ("255.255.255.255", "broadcast"), ("224.0.0.5", "multicast"),
        ("\"::\"", "unspecified"), ("\"::1\"", "loopback"), ("127.0.0.1", "loopback"), ("ff02::1", "multicast"),
        ("fe80::1", "link-local"), ("169.254.1.1", "link-local"),
    ])
    func anUnusableVirtualAddressIsRefused(address: String, use: String) {
        let found = problems(minimal.replacingOccurrences(of: "10.0.0.200", with: address))
        let shown = address.replacingOccurrences(of: "\"", with: "")
        #expect(found == ["virtual_services[0].address: \(shown) cannot be a virtual service address (\(use))"])
    }

    @Test func unusableStaticRealServersAreRefusedWithTheirIndex() {
        let found = problems(minimal + "\n    real_servers: [node2, 127.0.0.1, 10.0.0.200, \"::1\", 10.0.0.13, 224.0.0.1]")
        #expect(found == [
            "virtual_services[0].real_servers[1]: address 127.0.0.1 cannot be a real server (loopback)",
            "virtual_services[0].real_servers[2]: address 10.0.0.200 cannot be a real server (the virtual service's own address)",
            "virtual_services[0].real_servers[3]: address ::1 cannot be a real server (loopback)",
            "virtual_services[0].real_servers[5]: address 224.0.0.1 cannot be a real server (multicast)",
        ])
    }

    /// The lab's addresses: reader VIP 10.0.0.200, nodes 10.0.0.11 and up.
    @Test func theLabsAddressesLoad() {
        #expect(problems(minimal + "\n    real_servers: [10.0.0.11, 10.0.0.12, node3]").isEmpty)
    }
}

@Suite struct AllowedNetworksConfigurationTests {
    @Test func allowedNetworksLoadAndBadOnesAreNamed() throws {
        let good = try ConfigurationLoader.load(yaml: minimal + "\nallowed_networks: [10.0.0.0/24, \"fd00::/64\", 192.0.2.7]\n")
        #expect(good.allowedNetworks?.map(\.description) == ["10.0.0.0/24", "fd00::/64", "192.0.2.7/32"])
        #expect(try ConfigurationLoader.load(yaml: minimal).allowedNetworks == nil)
        let found = problems(minimal + "\nallowed_networks: [10.0.0.0/24, 10.0.0.1/24, lan]\n")
        #expect(found.contains { $0.hasPrefix("allowed_networks[1]: not a network") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("allowed_networks[2]: not a network") }, "\(found)")
        #expect(problems(minimal + "\nallowed_networks: []\n").contains { $0.hasPrefix("allowed_networks: an empty list") })
        #expect(problems(minimal + "\nallowed_networks: [\"::ffff:10.0.0.0/120\"]\n").contains { $0.hasPrefix("allowed_networks[0]: not a network") })
    }
}
