// Pure decoding of netlink replies: a received buffer → messages → attributes.

/// One netlink message as received: its header fields and its payload after the headers.
struct NetlinkMessage {
    var type: UInt16
    var flags: UInt16
    var sequence: UInt32
    var portID: UInt32
    /// For generic-netlink messages: the bytes after nlmsghdr (genlmsghdr included).
    var payload: ArraySlice<UInt8>

    /// The generic-netlink command (first payload byte).
    var genlCommand: UInt8? { payload.first }

    /// Attributes after the 4-byte generic-netlink header.
    var genlAttributes: ArraySlice<UInt8> {
        payload.dropFirst(NetlinkConstant.genlHeaderLength)
    }
}

enum NetlinkDecodingError: Error, Equatable {
    case truncatedMessage(offset: Int)
    case truncatedAttribute(offset: Int)
    /// A fixed-size attribute (a u16, a u32, the flags pair) with fewer bytes than its type.
    case shortAttribute(type: UInt16, length: Int, expected: Int)
    /// An NLMSG_ERROR or NLMSG_DONE whose code is no errno (positive in an error, or below -4095).
    case invalidErrorCode(Int32)
}

enum NetlinkDecoding {
    /// Splits one received datagram into its messages.
    static func messages(in buffer: ArraySlice<UInt8>) throws -> [NetlinkMessage] {
        var result: [NetlinkMessage] = []
        var offset = buffer.startIndex
        while buffer.endIndex - offset >= NetlinkConstant.headerLength {
            let length = Int(readInteger(UInt32.self, buffer, at: offset))
            guard length >= NetlinkConstant.headerLength, offset + length <= buffer.endIndex else {
                throw NetlinkDecodingError.truncatedMessage(offset: offset - buffer.startIndex)
            }
            result.append(NetlinkMessage(
                type: readInteger(UInt16.self, buffer, at: offset + 4),
                flags: readInteger(UInt16.self, buffer, at: offset + 6),
                sequence: readInteger(UInt32.self, buffer, at: offset + 8),
                portID: readInteger(UInt32.self, buffer, at: offset + 12),
                payload: buffer[(offset + NetlinkConstant.headerLength)..<(offset + length)]))
            offset += align(length)
        }
        return result
    }

    /// The attributes of one nest, indexed by type; unknown types above `maxType` are skipped
    /// so that a newer kernel's extra attributes never break an older daemon.
    static func attributes(in buffer: ArraySlice<UInt8>, maxType: Int) throws -> NetlinkAttributes {
        var table = NetlinkAttributes(maxType: maxType)
        var offset = buffer.startIndex
        while buffer.endIndex - offset >= NetlinkConstant.attributeHeaderLength {
            let length = Int(readInteger(UInt16.self, buffer, at: offset))
            let type = Int(readInteger(UInt16.self, buffer, at: offset + 2) & NetlinkConstant.attributeTypeMask)
            guard length >= NetlinkConstant.attributeHeaderLength, offset + length <= buffer.endIndex else {
                throw NetlinkDecodingError.truncatedAttribute(offset: offset - buffer.startIndex)
            }
            if type <= maxType {
                table.values[type] = buffer[(offset + NetlinkConstant.attributeHeaderLength)..<(offset + length)]
            }
            offset += align(length)
        }
        return table
    }

    static func align(_ length: Int) -> Int { (length + 3) & ~3 }

    /// Kernel errno values are 1...4095 (MAX_ERRNO); an error code is their negation.
    static let maximumErrno: Int32 = 4095

    /// What an NLMSG_ERROR or NLMSG_DONE message says: nil for success (the ACK, the end of a
    /// dump), else the kernel's errno. A code that is no errno is a malformed reply: Int32.min
    /// has no negation, so the code is checked before it is negated.
    static func failure(in message: NetlinkMessage) throws(NetlinkDecodingError) -> Errno? {
        let isError = message.type == NetlinkConstant.typeError
        guard message.payload.count >= MemoryLayout<Int32>.size else {
            // A dump's DONE may carry no code at all on old kernels; an error always does.
            if isError { throw .truncatedMessage(offset: 0) }
            return nil
        }
        let code = readInteger(Int32.self, message.payload, at: message.payload.startIndex)
        switch code {
        case 0: return nil
        case -maximumErrno ... -1: return Errno(rawValue: -code)
        // Kernels before 4.x put the dump's last length (positive) in DONE.
        case 1... where !isError: return nil
        default: throw .invalidErrorCode(code)
        }
    }

    static func readInteger<T: FixedWidthInteger>(_: T.Type, _ buffer: ArraySlice<UInt8>, at offset: Int) -> T {
        var value = T.zero
        withUnsafeMutableBytes(of: &value) { raw in
            for index in 0..<MemoryLayout<T>.size { raw[index] = buffer[offset + index] }
        }
        return value
    }
}

/// Attribute payloads of one nest, by attribute type.
struct NetlinkAttributes {
    var values: [ArraySlice<UInt8>?]

    init(maxType: Int) {
        values = Array(repeating: nil, count: maxType + 1)
    }

    subscript(type: UInt16) -> ArraySlice<UInt8>? {
        let index = Int(type)
        return index < values.count ? values[index] : nil
    }

    /// A fixed-size value at the start of the attribute's payload; nil when the attribute is
    /// absent, an error when it is shorter than the value (whoever sent it, never a trap).
    func integer<T: FixedWidthInteger>(_ type: UInt16, as _: T.Type = T.self) throws(NetlinkDecodingError) -> T? {
        guard let payload = self[type] else { return nil }
        guard payload.count >= MemoryLayout<T>.size else {
            throw .shortAttribute(type: type, length: payload.count, expected: MemoryLayout<T>.size)
        }
        return NetlinkDecoding.readInteger(T.self, payload, at: payload.startIndex)
    }

    func bigEndian16(_ type: UInt16) throws(NetlinkDecodingError) -> UInt16? {
        try integer(type, as: UInt16.self).map { UInt16(bigEndian: $0) }
    }

    /// A NUL-terminated (or unterminated) string payload.
    func string(_ type: UInt16) -> String? {
        guard let payload = self[type] else { return nil }
        let text = payload.prefix { $0 != 0 }
        return String(decoding: text, as: UTF8.self)
    }
}
