import Testing
import LVSModel
@testable import IPVS

@Suite struct ReplyDecodingTests {
    func serviceReply(sequence: UInt32, extra: [UInt8] = []) -> [UInt8] {
        let stats64 = attr(1, le64(42)) + attr(2, le64(1000)) + attr(3, le64(900)) + attr(4, le64(123_456)) + attr(5, le64(654_321))
        let service = attr(1, le16(2)) + attr(2, le16(6)) + attr(3, inetAddress([10, 0, 0, 200])) + attr(4, be16(5432))
            + attr(6, Array("wrr".utf8) + [0]) + attr(7, le32(0x3) + le32(0xffff_ffff)) + attr(8, le32(300))
            + attr(9, [0xff, 0xff, 0xff, 0x00]) + attr(12, stats64) + extra
        return message(type: 0x20, flags: 0x2, sequence: sequence, command: 1, attr(1, service))
    }

    @Test func decodesAServiceWithItsCounters() throws {
        let messages = try NetlinkDecoding.messages(in: serviceReply(sequence: 4)[...])
        #expect(messages.count == 1)
        let service = try IPVSDecoding.service(from: messages[0])
        #expect(service.key == .endpoint(.tcp, SocketEndpoint(address: IPAddress("10.0.0.200")!, port: 5432)))
        #expect(service.scheduler == "wrr")
        #expect(service.flags == [.persistent, .hashed])
        #expect(service.persistenceTimeout == 300)
        #expect(service.netmask == 0xffff_ff00)
        #expect(service.stats == TrafficStats(connections: 42, inPackets: 1000, outPackets: 900, inBytes: 123_456, outBytes: 654_321))
    }

    @Test func skipsAttributesANewerKernelAdds() throws {
        let messages = try NetlinkDecoding.messages(in: serviceReply(sequence: 4, extra: attr(40, [1, 2, 3, 4]))[...])
        #expect(try IPVSDecoding.service(from: messages[0]).scheduler == "wrr")
    }

    @Test func decodesADestinationWithConnectionCounts() throws {
        let destination = attr(11, le16(2)) + attr(1, inetAddress([10, 0, 0, 12])) + attr(2, be16(5432)) + attr(3, le32(3))
            + attr(4, le32(2)) + attr(5, le32(100)) + attr(6, le32(10)) + attr(7, le32(5)) + attr(8, le32(6)) + attr(9, le32(1))
        let bytes = message(type: 0x20, flags: 0x2, sequence: 4, command: 5, attr(2, destination))
        let decoded = try IPVSDecoding.destination(from: try NetlinkDecoding.messages(in: bytes[...])[0], serviceFamily: .inet)
        #expect(decoded.endpoint == SocketEndpoint(address: IPAddress("10.0.0.12")!, port: 5432))
        #expect(decoded.forwarding == .directRoute)
        #expect(decoded.weight == 2)
        #expect(decoded.upperThreshold == 100)
        #expect(decoded.lowerThreshold == 10)
        #expect(decoded.connections == ConnectionCounts(active: 5, inactive: 6, persistent: 1))
    }

    @Test func anIPv6DestinationWithoutAddressFamilyTakesTheServicesFamily() throws {
        let address = IPAddress("fd00::12")!
        let destination = attr(1, address.bytes) + attr(2, be16(5432)) + attr(3, le32(0)) + attr(4, le32(1))
        let bytes = message(type: 0x20, flags: 0x2, sequence: 4, command: 5, attr(2, destination))
        let decoded = try IPVSDecoding.destination(from: try NetlinkDecoding.messages(in: bytes[...])[0], serviceFamily: .inet6)
        #expect(decoded.endpoint.address == address)
        #expect(decoded.forwarding == .masquerade)
    }

    @Test func splitsADatagramIntoItsMessages() throws {
        let datagram = serviceReply(sequence: 8) + serviceReply(sequence: 8) + doneMessage(sequence: 8)
        let messages = try NetlinkDecoding.messages(in: datagram[...])
        #expect(messages.map(\.type) == [0x20, 0x20, 3])
        #expect(messages.allSatisfy { $0.sequence == 8 })
    }

    @Test func rejectsATruncatedMessage() {
        let bytes = Array(serviceReply(sequence: 1).dropLast(8))
        #expect(throws: NetlinkDecodingError.truncatedMessage(offset: 0)) {
            try NetlinkDecoding.messages(in: bytes[...])
        }
    }

    @Test func rejectsATruncatedAttribute() {
        let nest: [UInt8] = [20, 0, 1, 0, 0, 0]
        #expect(throws: NetlinkDecodingError.truncatedAttribute(offset: 0)) {
            try NetlinkDecoding.attributes(in: nest[...], maxType: 10)
        }
    }

    @Test func decodesAnErrorReply() throws {
        let messages = try NetlinkDecoding.messages(in: errorMessage(sequence: 3, code: -17)[...])
        #expect(messages[0].type == NetlinkConstant.typeError)
        #expect(NetlinkDecoding.readInteger(Int32.self, messages[0].payload, at: messages[0].payload.startIndex) == -17)
    }

    @Test func decodesTenThousandDestinationsFromAMultiPartDump() throws {
        // The kernel packs a dump into datagrams of up to 32 KiB; here 100 destinations each.
        var decoded: [Destination] = []
        for datagramIndex in 0..<100 {
            var datagram: [UInt8] = []
            for index in 0..<100 {
                let n = UInt32(datagramIndex * 100 + index)
                let destination = attr(11, le16(2)) + attr(1, inetAddress([10, 1, UInt8(n >> 8), UInt8(n & 0xff)]))
                    + attr(2, be16(5432)) + attr(3, le32(3)) + attr(4, le32(n % 7)) + attr(5, le32(0)) + attr(6, le32(0))
                    + attr(7, le32(n)) + attr(8, le32(0))
                datagram += message(type: 0x20, flags: 0x2, sequence: 11, command: 5, attr(2, destination))
            }
            if datagramIndex == 99 { datagram += doneMessage(sequence: 11) }
            for message in try NetlinkDecoding.messages(in: datagram[...]) where message.type == 0x20 {
                decoded.append(try IPVSDecoding.destination(from: message, serviceFamily: .inet))
            }
        }
        #expect(decoded.count == 10_000)
        #expect(Set(decoded.map(\.endpoint)).count == 10_000)
        #expect(decoded[9_999].endpoint.address == IPAddress("10.1.39.15"))
        #expect(decoded[9_999].connections?.active == 9_999)
        #expect(decoded[1234].weight == 1234 % 7)
    }
}
