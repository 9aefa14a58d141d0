// Pure encoding of generic-netlink messages: no sockets, no C calls, so every byte we send
// can be unit-tested without a kernel. Netlink integers are in host byte order except where
// the IPVS family says big-endian (ports, IPv4 netmasks).

/// Netlink header constants (linux/netlink.h); spelled out here so encoding needs no C.
enum NetlinkConstant {
    static let headerLength = 16
    static let genlHeaderLength = 4
    static let attributeHeaderLength = 4
    static let flagRequest: UInt16 = 0x1
    static let flagMulti: UInt16 = 0x2
    static let flagAck: UInt16 = 0x4
    static let flagDump: UInt16 = 0x300
    static let typeNoop: UInt16 = 0x1
    static let typeError: UInt16 = 0x2
    static let typeDone: UInt16 = 0x3
    static let typeOverrun: UInt16 = 0x4
    static let attributeTypeMask: UInt16 = 0x3fff
}

/// Appends one generic-netlink message (nlmsghdr + genlmsghdr + attributes) to a buffer.
struct NetlinkMessageWriter {
    private(set) var bytes: [UInt8]
    private let start: Int

    init(into buffer: [UInt8] = [], family: UInt16, flags: UInt16, sequence: UInt32, portID: UInt32,
         command: UInt8, version: UInt8) {
        bytes = buffer
        start = bytes.count
        bytes.reserveCapacity(start + 128)
        appendInteger(UInt32(0))  // length, patched by finish()
        appendInteger(family)
        appendInteger(flags)
        appendInteger(sequence)
        appendInteger(portID)
        bytes.append(command)
        bytes.append(version)
        appendInteger(UInt16(0))
    }

    /// The finished message (or buffer with the message appended), its length field set.
    func finish() -> [UInt8] {
        var result = bytes
        let length = UInt32(result.count - start)
        withUnsafeBytes(of: length) { raw in
            for index in 0..<4 { result[start + index] = raw[index] }
        }
        return result
    }

    mutating func append<T: FixedWidthInteger>(_ type: UInt16, _ value: T) {
        appendAttributeHeader(type: type, payloadLength: MemoryLayout<T>.size)
        appendInteger(value)
        pad()
    }

    /// A 16-bit value sent in network byte order (ports).
    mutating func appendBigEndian(_ type: UInt16, _ value: UInt16) {
        append(type, value.bigEndian)
    }

    mutating func append(_ type: UInt16, bytes payload: [UInt8]) {
        appendAttributeHeader(type: type, payloadLength: payload.count)
        bytes.append(contentsOf: payload)
        pad()
    }

    /// A NUL-terminated string, as the kernel's NLA_NUL_STRING policy requires.
    mutating func append(_ type: UInt16, string: String) {
        var payload = Array(string.utf8)
        payload.append(0)
        append(type, bytes: payload)
    }

    mutating func nest(_ type: UInt16, _ body: (inout NetlinkMessageWriter) -> Void) {
        let headerAt = bytes.count
        appendAttributeHeader(type: type, payloadLength: 0)
        body(&self)
        let length = UInt16(bytes.count - headerAt)
        withUnsafeBytes(of: length) { raw in
            bytes[headerAt] = raw[0]
            bytes[headerAt + 1] = raw[1]
        }
    }

    private mutating func appendAttributeHeader(type: UInt16, payloadLength: Int) {
        appendInteger(UInt16(NetlinkConstant.attributeHeaderLength + payloadLength))
        appendInteger(type)
    }

    private mutating func appendInteger<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value) { bytes.append(contentsOf: $0) }
    }

    private mutating func pad() {
        while bytes.count % 4 != 0 { bytes.append(0) }
    }
}
