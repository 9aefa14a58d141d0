// A deliberately naive netlink byte builder for tests, independent of the module's writer,
// so that encoder and decoder are checked against a second reading of the format.

func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xff), UInt8(value >> 8)] }
func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8((value >> (8 * UInt32($0))) & 0xff) } }
func le64(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8((value >> (8 * UInt64($0))) & 0xff) } }
func be16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xff)] }

func attr(_ type: UInt16, _ payload: [UInt8]) -> [UInt8] {
    var bytes = le16(UInt16(4 + payload.count)) + le16(type) + payload
    while bytes.count % 4 != 0 { bytes.append(0) }
    return bytes
}

func message(type: UInt16, flags: UInt16, sequence: UInt32, portID: UInt32 = 0, command: UInt8, _ attributes: [UInt8]) -> [UInt8] {
    let body = [command, 1, 0, 0] + attributes
    return le32(UInt32(16 + body.count)) + le16(type) + le16(flags) + le32(sequence) + le32(portID) + body
}

func errorMessage(sequence: UInt32, code: Int32) -> [UInt8] {
    let payload = le32(UInt32(bitPattern: code)) + [UInt8](repeating: 0, count: 16)
    return le32(UInt32(16 + payload.count)) + le16(2) + le16(0) + le32(sequence) + le32(0) + payload
}

func doneMessage(sequence: UInt32) -> [UInt8] {
    le32(20) + le16(3) + le16(2) + le32(sequence) + le32(0) + le32(0)
}

func inetAddress(_ bytes: [UInt8]) -> [UInt8] { bytes + [UInt8](repeating: 0, count: 16 - bytes.count) }
