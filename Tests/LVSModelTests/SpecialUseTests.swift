import Testing
@testable import LVSModel

/// Which addresses can name a host on the network, and which cannot.
@Suite struct SpecialUseTests {
    @Test(arguments: [
        ("0.0.0.0", .unspecified), ("0.1.2.3", .unspecified), ("::", .unspecified),
        ("127.0.0.1", .loopback), ("127.0.1.1", .loopback), ("127.255.255.254", .loopback), ("::1", .loopback),
        ("224.0.0.1", .multicast), ("239.255.255.250", .multicast), ("ff02::1", .multicast), ("ff05::1:3", .multicast),
        ("255.255.255.255", .limitedBroadcast),
        ("169.254.169.254", .linkLocal), ("169.254.0.1", .linkLocal), ("fe80::1", .linkLocal), ("febf::1", .linkLocal),
        ("::ffff:10.0.0.12", .ipv4Mapped), ("::ffff:127.0.0.1", .ipv4Mapped),
    ] as [(String, IPAddress.SpecialUse)])
    func specialPurposeAddressesAreNamed(text: String, use: IPAddress.SpecialUse) {
        #expect(IPAddress(text)?.specialUse == use)
    }

    /// The lab's nodes and VIPs, private and public unicast, and the neighbours of each block.
    @Test(arguments: ["10.0.0.12", "10.0.0.200", "10.0.0.1", "192.168.0.234", "1.0.0.0", "126.255.255.255",
                      "128.0.0.0", "223.255.255.255", "240.0.0.1", "255.255.255.254", "169.253.255.255", "169.255.0.0",
                      "fd00::12", "2001:db8::1", "::2", "fec0::1", "fe7f::1", "::fffe:a00:1", "::a00:1"])
    func ordinaryUnicastAddressesAreNotSpecial(text: String) {
        #expect(IPAddress(text)?.specialUse == nil)
    }

    @Test func specialUsesReadAsOperatorsSayThem() {
        #expect(IPAddress.SpecialUse.allCases.map(\.description)
                == ["unspecified", "loopback", "multicast", "broadcast", "link-local", "IPv4-mapped"])
    }
}
