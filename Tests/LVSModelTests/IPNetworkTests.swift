import Testing
@testable import LVSModel

@Suite struct IPNetworkTests {
    @Test func networksContainTheirAddressesOnly() throws {
        let lan = try #require(IPNetwork("10.0.0.0/24"))
        #expect(lan.contains(IPAddress("10.0.0.12")!))
        #expect(!lan.contains(IPAddress("10.0.1.12")!))
        #expect(!lan.contains(IPAddress("::ffff:10.0.0.12")!), "another family is never inside")
        let six = try #require(IPNetwork("fd00:1::/64"))
        #expect(six.contains(IPAddress("fd00:1::12")!))
        #expect(!six.contains(IPAddress("fd00:2::12")!))
        #expect(try #require(IPNetwork("10.0.0.12")).description == "10.0.0.12/32")
        #expect(try #require(IPNetwork("0.0.0.0/0")).contains(IPAddress("192.0.2.1")!))
        #expect(try #require(IPNetwork("10.0.0.128/25")).contains(IPAddress("10.0.0.200")!))
    }

    @Test func malformedNetworksAreRefused() {
        for text in ["10.0.0.1/24", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/2 4", "/24", "host/24",
                     "fd00::/129", "10.0.0.0/24/1", "10.0.0.0/0x18", ""] {
            #expect(IPNetwork(text) == nil, "\(text)")
        }
    }

    @Test func anAddressAndPrefixAreMasked() throws {
        let network = try #require(IPNetwork(address: IPAddress("10.0.0.77")!, prefixLength: 26))
        #expect(network.description == "10.0.0.64/26")
        #expect(IPNetwork(address: IPAddress("10.0.0.1")!, prefixLength: 40) == nil)
    }
}
