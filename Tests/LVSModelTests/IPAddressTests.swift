import Testing
@testable import LVSModel

@Suite struct IPAddressTests {
    @Test(arguments: [
        ("10.0.0.1", [10, 0, 0, 1]),
        ("0.0.0.0", [0, 0, 0, 0]),
        ("255.255.255.255", [255, 255, 255, 255]),
        ("192.168.0.234", [192, 168, 0, 234]),
    ] as [(String, [UInt8])])
    func parsesIPv4(text: String, bytes: [UInt8]) {
        let address = IPAddress(text)
        #expect(address?.bytes == bytes)
        #expect(address?.family == .inet)
        #expect(address?.description == text)
    }

    @Test(arguments: ["256.0.0.1", "10.0.0", "10.0.0.1.2", "010.0.0.1", "10..0.1", "a.b.c.d", "", " 10.0.0.1",
                      "node1", "1:2:3", "::1::2", "1:2:3:4:5:6:7:8:9", "12345::", "fe80::1%eth0", ":::"])
    func rejectsMalformed(text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test(arguments: [
        ("::", "::"),
        ("::1", "::1"),
        ("fd00::1", "fd00::1"),
        ("FD00:0:0:0:0:0:0:1", "fd00::1"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("2001:0db8:0000:0000:0000:ff00:0042:8329", "2001:db8::ff00:42:8329"),
        ("1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7"),
        ("::ffff:10.0.0.1", "::ffff:a00:1"),
        ("1::", "1::"),
    ])
    func parsesAndFormatsIPv6(text: String, canonical: String) {
        let address = IPAddress(text)
        #expect(address?.family == .inet6)
        #expect(address?.description == canonical)
        #expect(address.flatMap { IPAddress($0.description) } == address)
    }

    @Test func bytesRoundTrip() {
        #expect(IPAddress(bytes: [10, 0, 0, 12]) == IPAddress("10.0.0.12"))
        let six = IPAddress("fd00::12")!
        #expect(IPAddress(bytes: six.bytes) == six)
        #expect(six.bytes.count == 16)
        #expect(IPAddress(bytes: [1, 2, 3]) == nil)
    }

    @Test func ordersIPv4BeforeIPv6AndNumerically() {
        let sorted = ["10.0.0.13", "fd00::1", "10.0.0.2", "10.0.0.12"].compactMap(IPAddress.init).sorted()
        #expect(sorted.map(\.description) == ["10.0.0.2", "10.0.0.12", "10.0.0.13", "fd00::1"])
    }

    @Test func endpointsPrintAsIpvsadmDoes() {
        #expect(SocketEndpoint(address: IPAddress("10.0.0.12")!, port: 5432).description == "10.0.0.12:5432")
        #expect(SocketEndpoint(address: IPAddress("fd00::12")!, port: 5432).description == "[fd00::12]:5432")
    }
}
