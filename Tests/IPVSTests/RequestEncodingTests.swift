import Testing
import LVSModel
@testable import IPVS

@Suite struct RequestEncodingTests {
    let readerKey = VirtualServiceKey.endpoint(.tcp, SocketEndpoint(address: IPAddress("10.0.0.200")!, port: 5432))

    @Test func newDestinationMatchesTheKernelLayout() {
        let destination = Destination(endpoint: SocketEndpoint(address: IPAddress("10.0.0.12")!, port: 5432),
                                      forwarding: .directRoute, weight: 2)
        let bytes = IPVSRequest.newDestination(readerKey, destination).encode(family: 0x1234, sequence: 7, portID: 99)
        let expected: [UInt8] =
            [0x8c, 0, 0, 0, 0x34, 0x12, 0x05, 0x00, 7, 0, 0, 0, 99, 0, 0, 0]   // nlmsghdr: 140 bytes, REQUEST|ACK
            + [5, 1, 0, 0]                                                     // genl: IPVS_CMD_NEW_DEST, version 1
            + [48, 0, 1, 0]                                                    // IPVS_CMD_ATTR_SERVICE, 48 bytes
            + [6, 0, 1, 0, 2, 0, 0, 0]                                         //   AF = AF_INET
            + [6, 0, 2, 0, 6, 0, 0, 0]                                         //   PROTOCOL = TCP
            + [20, 0, 3, 0, 10, 0, 0, 200] + [UInt8](repeating: 0, count: 12)  //   ADDR (nf_inet_addr)
            + [6, 0, 4, 0, 0x15, 0x38, 0, 0]                                   //   PORT 5432, big-endian
            + [72, 0, 2, 0]                                                    // IPVS_CMD_ATTR_DEST, 72 bytes
            + [6, 0, 11, 0, 2, 0, 0, 0]                                        //   ADDR_FAMILY = AF_INET
            + [20, 0, 1, 0, 10, 0, 0, 12] + [UInt8](repeating: 0, count: 12)   //   ADDR
            + [6, 0, 2, 0, 0x15, 0x38, 0, 0]                                   //   PORT
            + [8, 0, 3, 0, 3, 0, 0, 0]                                         //   FWD_METHOD = DROUTE
            + [8, 0, 4, 0, 2, 0, 0, 0]                                         //   WEIGHT
            + [8, 0, 5, 0, 0, 0, 0, 0]                                         //   U_THRESH
            + [8, 0, 6, 0, 0, 0, 0, 0]                                         //   L_THRESH
        #expect(bytes == expected)
    }

    @Test func newServiceCarriesEveryRequiredField() throws {
        let service = VirtualService(key: readerKey, scheduler: "wrr")
        let bytes = IPVSRequest.newService(service).encode(family: 0x20, sequence: 1, portID: 5)
        let expected = le32(UInt32(bytes.count)) + le16(0x20) + le16(0x5) + le32(1) + le32(5) + [1, 1, 0, 0]
            + attr(1, attr(1, le16(2)) + attr(2, le16(6)) + attr(3, inetAddress([10, 0, 0, 200])) + attr(4, be16(5432))
                   + attr(6, Array("wrr".utf8) + [0]) + attr(7, le32(0) + le32(0xffff_ffff)) + attr(8, le32(0))
                   + attr(9, [0xff, 0xff, 0xff, 0xff]))
        #expect(bytes == expected)
    }

    @Test func dumpsAskForDumpWithoutAck() {
        let bytes = IPVSRequest.listServices.encode(family: 0x20, sequence: 3, portID: 5)
        #expect(bytes == le32(20) + le16(0x20) + le16(0x301) + le32(3) + le32(5) + [4, 1, 0, 0])
    }

    @Test func deleteDestinationSendsOnlyTheEndpoint() {
        let endpoint = SocketEndpoint(address: IPAddress("fd00::12")!, port: 5432)
        let key = VirtualServiceKey.endpoint(.tcp, SocketEndpoint(address: IPAddress("fd00::200")!, port: 5432))
        let bytes = IPVSRequest.deleteDestination(key, endpoint).encode(family: 0x20, sequence: 9, portID: 5)
        let expected = le32(UInt32(bytes.count)) + le16(0x20) + le16(0x5) + le32(9) + le32(5) + [7, 1, 0, 0]
            + attr(1, attr(1, le16(10)) + attr(2, le16(6)) + attr(3, IPAddress("fd00::200")!.bytes) + attr(4, be16(5432)))
            + attr(2, attr(11, le16(10)) + attr(1, endpoint.address.bytes) + attr(2, be16(5432)))
        #expect(bytes == expected)
    }

    @Test func firewallMarkServicesAreKeyedByMark() {
        let bytes = IPVSRequest.deleteService(.firewallMark(7, .inet)).encode(family: 0x20, sequence: 2, portID: 5)
        #expect(bytes == le32(40) + le16(0x20) + le16(0x5) + le32(2) + le32(5) + [3, 1, 0, 0]
                + attr(1, attr(1, le16(2)) + attr(5, le32(7))))
    }

    @Test func appendingToABufferLeavesEarlierMessagesIntact() {
        let first = IPVSRequest.listServices.encode(family: 0x20, sequence: 1, portID: 5)
        let both = IPVSRequest.info.encode(family: 0x20, sequence: 2, portID: 5, into: first)
        #expect(Array(both.prefix(first.count)) == first)
        #expect(Array(both.dropFirst(first.count)) == IPVSRequest.info.encode(family: 0x20, sequence: 2, portID: 5))
    }
}

/// IPVS_CMD_SET_CONFIG / GET_CONFIG: the three timeouts as u32 attributes of the command.
@Suite struct TimeoutMessageTests {
    @Test func setTimeoutsCarriesTheThreeTimeouts() {
        let bytes = IPVSRequest.setTimeouts(IPVSTimeouts(tcp: 20, tcpFin: 0, udp: 300)).encode(family: 0x20, sequence: 4, portID: 5)
        let expected = le32(44) + le16(0x20) + le16(0x5) + le32(4) + le32(5) + [12, 1, 0, 0]   // IPVS_CMD_SET_CONFIG, REQUEST|ACK
            + attr(4, le32(20)) + attr(5, le32(0)) + attr(6, le32(300))   // TIMEOUT_TCP, TIMEOUT_TCP_FIN, TIMEOUT_UDP
        #expect(bytes == expected)
    }

    @Test func getConfigAsksWithNoAttributes() {
        let bytes = IPVSRequest.timeouts.encode(family: 0x20, sequence: 6, portID: 5)
        #expect(bytes == le32(20) + le16(0x20) + le16(0x5) + le32(6) + le32(5) + [13, 1, 0, 0])   // IPVS_CMD_GET_CONFIG, a plain request with ACK
    }

    @Test func aConfigReplyDecodesToTheTimeouts() throws {
        let reply = message(type: 0x20, flags: 0, sequence: 6, command: 12,
                            attr(4, le32(900)) + attr(5, le32(120)) + attr(6, le32(300)))
        let decoded = try IPVSDecoding.timeouts(from: try NetlinkDecoding.messages(in: reply[...])[0])
        #expect(decoded == IPVSTimeouts(tcp: 900, tcpFin: 120, udp: 300))
    }

    @Test func aConfigReplyMissingATimeoutIsMalformed() throws {
        let reply = message(type: 0x20, flags: 0, sequence: 6, command: 12, attr(4, le32(900)) + attr(6, le32(300)))
        let decodedMessage = try NetlinkDecoding.messages(in: reply[...])[0]
        #expect(throws: IPVSDecodingError(detail: "config reply without the three timeouts")) {
            try IPVSDecoding.timeouts(from: decodedMessage)
        }
    }
}
