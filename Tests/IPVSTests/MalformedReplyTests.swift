import Testing
import LVSModel
@testable import IPVS

/// Replies no kernel sends, crafted byte by byte: each is a typed decoding error, never a trap.
@Suite struct MalformedReplyTests {
    private func decodeService(_ attributes: [UInt8]) throws -> VirtualService {
        let bytes = message(type: 0x20, flags: 0x2, sequence: 1, command: 1, attr(1, attributes))
        return try IPVSDecoding.service(from: try NetlinkDecoding.messages(in: bytes[...])[0])
    }

    /// A valid service nest, with attribute `type` (if any) replaced by `payload`.
    private func service(replacing type: UInt16? = nil, with payload: [UInt8] = []) -> [UInt8] {
        let attributes: [(UInt16, [UInt8])] = [(1, le16(2)), (2, le16(6)), (3, inetAddress([10, 0, 0, 200])), (4, be16(5432)),
                                               (6, Array("wrr".utf8) + [0]), (7, le32(0x3) + le32(0xffff_ffff)),
                                               (8, le32(300)), (9, [0xff, 0xff, 0xff, 0x00])]
        return attributes.flatMap { attr($0.0, $0.0 == type ? payload : $0.1) }
    }

    @Test func aFlagsAttributeShorterThanFourBytesIsAnError() {
        #expect(throws: NetlinkDecodingError.shortAttribute(type: 7, length: 2, expected: 4)) {
            try decodeService(service(replacing: 7, with: [1, 0]))
        }
    }

    @Test(arguments: [(UInt16(1), 2), (2, 2), (4, 2), (8, 4), (9, 4)])
    func everyFixedSizeServiceAttributeIsLengthChecked(type: UInt16, size: Int) {
        #expect(throws: NetlinkDecodingError.shortAttribute(type: type, length: 1, expected: size)) {
            try decodeService(service(replacing: type, with: [7]))
        }
    }

    @Test func aShortFirewallMarkOrStatsCounterIsAnError() {
        #expect(throws: NetlinkDecodingError.shortAttribute(type: 5, length: 3, expected: 4)) {
            try decodeService(service() + attr(5, [1, 2, 3]))
        }
        #expect(throws: NetlinkDecodingError.shortAttribute(type: 1, length: 4, expected: 8)) {
            try decodeService(service() + attr(12, attr(1, le32(42))))
        }
    }

    @Test func aShortDestinationAttributeIsAnError() {
        let destination = attr(11, le16(2)) + attr(1, inetAddress([10, 0, 0, 12])) + attr(2, be16(5432)) + attr(3, le32(3))
            + attr(4, [2])
        let bytes = message(type: 0x20, flags: 0x2, sequence: 4, command: 5, attr(2, destination))
        #expect(throws: NetlinkDecodingError.shortAttribute(type: 4, length: 1, expected: 4)) {
            try IPVSDecoding.destination(from: try NetlinkDecoding.messages(in: bytes[...])[0], serviceFamily: .inet)
        }
    }

    private func status(_ bytes: [UInt8]) throws -> Errno? {
        try NetlinkDecoding.failure(in: try NetlinkDecoding.messages(in: bytes[...])[0])
    }

    private func done(code: Int32) -> [UInt8] {
        le32(20) + le16(3) + le16(2) + le32(1) + le32(0) + le32(UInt32(bitPattern: code))
    }

    @Test func errorCodesBecomeErrnosAndTheAckIsNone() throws {
        #expect(try status(errorMessage(sequence: 1, code: 0)) == nil)
        #expect(try status(errorMessage(sequence: 1, code: -17)) == .exists)
        #expect(try status(errorMessage(sequence: 1, code: -4095)) == Errno(rawValue: 4095))
        #expect(try status(done(code: 0)) == nil)
        #expect(try status(done(code: 128)) == nil)
        #expect(try status(done(code: -4)) == .interrupted)
        #expect(try status(doneMessage(sequence: 1)) == nil)
    }

    @Test(arguments: [Int32.min, -4096, 1])
    func aCodeThatIsNoErrnoIsAnError(code: Int32) {
        #expect(throws: NetlinkDecodingError.invalidErrorCode(code)) { try status(errorMessage(sequence: 1, code: code)) }
        if code < 0 {
            #expect(throws: NetlinkDecodingError.invalidErrorCode(code)) { try status(done(code: code)) }
        }
    }

    @Test func anErrorWithoutItsCodeIsAnError() {
        let bytes = le32(18) + le16(2) + le16(0) + le32(1) + le32(0) + [0xff, 0xff]
        #expect(throws: NetlinkDecodingError.truncatedMessage(offset: 0)) { try status(bytes) }
    }
}
