import Testing
import LVSModel
import TestSupport
@testable import IPVS

/// A netlink attribute as the fuzz tests build and damage it; `declaredLength` overrides the
/// length its header claims.
private indirect enum FuzzAttribute {
    case leaf(type: UInt16, payload: [UInt8], declaredLength: UInt16?)
    case nest(type: UInt16, [FuzzAttribute], declaredLength: UInt16?)

    var bytes: [UInt8] {
        let (type, payload, declared): (UInt16, [UInt8], UInt16?) = switch self {
        case let .leaf(type, payload, declared): (type, payload, declared)
        case let .nest(type, children, declared): (type, children.flatMap(\.bytes), declared)
        }
        var encoded = attr(type, payload)
        if let declared { encoded.replaceSubrange(0..<2, with: le16(declared)) }
        return encoded
    }
}

/// One reply message: generic-netlink data, or an error/done status.
private struct FuzzMessage {
    var type: UInt16
    var command: UInt8
    var attributes: [FuzzAttribute]
    /// The status code of an error or done message (nil: a done without one).
    var code: Int32?
    var declaredLength: UInt32?

    var bytes: [UInt8] {
        var encoded: [UInt8]
        if type == NetlinkConstant.typeError || type == NetlinkConstant.typeDone {
            let payload = code.map { le32(UInt32(bitPattern: $0)) + (type == NetlinkConstant.typeError ? [UInt8](repeating: 0, count: 16) : []) } ?? []
            encoded = le32(UInt32(16 + payload.count)) + le16(type) + le16(0) + le32(7) + le32(0) + payload
        } else {
            encoded = message(type: type, flags: 0x2, sequence: 7, command: command, attributes.flatMap(\.bytes))
        }
        if let declaredLength { encoded.replaceSubrange(0..<4, with: le32(declaredLength)) }
        return encoded
    }
}

/// Replies the kernel could send, then damaged: whatever arrives on the socket decodes or is a
/// typed error (NetlinkDecodingError, IPVSDecodingError), never a trap.
@Suite struct ReplyFuzzTests {
    static let interestingCodes: [Int32] = [0, -1, -2, -3, -17, -4095, -4096, 1, 4095, Int32.min, Int32.min + 1, Int32.max, -22]
    static let interestingLengths: [UInt16] = [0, 1, 2, 3, 4, 5, 7, 8, 0x7FFF, 0x8000, 0xFFFC, 0xFFFF]
    static let interestingMessageLengths: [UInt32] = [0, 1, 15, 16, 17, 19, 20, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFF0, 0xFFFF_FFFF]

    private static func number(_ random: inout SeededGenerator, bytes: Int) -> [UInt8] {
        switch random.below(4) {
        case 0: return [UInt8](repeating: 0xFF, count: bytes)
        case 1: return [UInt8](repeating: 0, count: bytes)
        default: return random.bytes(bytes)
        }
    }

    private static func stats(_ random: inout SeededGenerator, type: UInt16, wide: Bool) -> FuzzAttribute {
        .nest(type: type, (1...10).map { .leaf(type: UInt16($0), payload: number(&random, bytes: wide || $0 == 4 || $0 == 5 ? 8 : 4),
                                               declaredLength: nil) }, declaredLength: nil)
    }

    private static func address(_ random: inout SeededGenerator, family: UInt16) -> [UInt8] {
        family == 10 ? random.bytes(16) : random.bytes(4) + [UInt8](repeating: 0, count: 12)
    }

    private static func service(_ random: inout SeededGenerator) -> FuzzAttribute {
        let family: UInt16 = random.oneIn(3) ? 10 : 2
        var attributes: [FuzzAttribute] = [.leaf(type: 1, payload: le16(family), declaredLength: nil)]
        if random.oneIn(4) {
            attributes.append(.leaf(type: 5, payload: number(&random, bytes: 4), declaredLength: nil))
        } else {
            attributes += [.leaf(type: 2, payload: le16(random.pick([6, 17, 132, 0, 255])), declaredLength: nil),
                           .leaf(type: 3, payload: address(&random, family: family), declaredLength: nil),
                           .leaf(type: 4, payload: random.bytes(2), declaredLength: nil)]
        }
        let scheduler = random.pick(["rr", "wrr", "sh", "mh", "", "a\u{202E}b", String(repeating: "x", count: 300)])
        attributes += [.leaf(type: 6, payload: Array(scheduler.utf8) + (random.oneIn(4) ? [] : [0]), declaredLength: nil),
                       .leaf(type: 7, payload: number(&random, bytes: 4) + number(&random, bytes: 4), declaredLength: nil),
                       .leaf(type: 8, payload: number(&random, bytes: 4), declaredLength: nil),
                       .leaf(type: 9, payload: number(&random, bytes: 4), declaredLength: nil)]
        if random.oneIn(3) { attributes.append(.leaf(type: 11, payload: Array("sip".utf8) + [0], declaredLength: nil)) }
        attributes.append(stats(&random, type: random.oneIn(2) ? 12 : 10, wide: random.oneIn(2)))
        return .nest(type: 1, attributes, declaredLength: nil)
    }

    private static func destination(_ random: inout SeededGenerator) -> FuzzAttribute {
        let family: UInt16 = random.oneIn(3) ? 10 : 2
        var attributes: [FuzzAttribute] = []
        if !random.oneIn(4) { attributes.append(.leaf(type: 11, payload: le16(family), declaredLength: nil)) }
        attributes += [.leaf(type: 1, payload: address(&random, family: family), declaredLength: nil),
                       .leaf(type: 2, payload: random.bytes(2), declaredLength: nil),
                       .leaf(type: 3, payload: le32(UInt32(random.below(6))), declaredLength: nil)]
        for type in UInt16(4)...9 { attributes.append(.leaf(type: type, payload: number(&random, bytes: 4), declaredLength: nil)) }
        attributes.append(stats(&random, type: random.oneIn(2) ? 12 : 10, wide: random.oneIn(2)))
        if random.oneIn(2) {
            attributes += [.leaf(type: 13, payload: [UInt8(random.below(4))], declaredLength: nil),
                           .leaf(type: 14, payload: random.bytes(2), declaredLength: nil),
                           .leaf(type: 15, payload: random.bytes(2), declaredLength: nil)]
        }
        return .nest(type: 2, attributes, declaredLength: nil)
    }

    private static func validMessage(_ random: inout SeededGenerator) -> FuzzMessage {
        switch random.below(7) {
        case 0: return FuzzMessage(type: 0x20, command: 1, attributes: [service(&random)])
        case 1: return FuzzMessage(type: 0x20, command: 5, attributes: [destination(&random)])
        case 2: return FuzzMessage(type: 0x20, command: 10, attributes: [.leaf(type: 1, payload: number(&random, bytes: 4), declaredLength: nil),
                                                                        .leaf(type: 2, payload: number(&random, bytes: 4), declaredLength: nil)])
        case 3: return FuzzMessage(type: 0x20, command: 12, attributes: (3...5).map {
            .leaf(type: UInt16($0), payload: number(&random, bytes: 4), declaredLength: nil)
        })
        case 4: return FuzzMessage(type: NetlinkConstant.typeError, command: 0, attributes: [], code: random.pick(interestingCodes))
        case 5: return FuzzMessage(type: NetlinkConstant.typeDone, command: 0, attributes: [],
                                   code: random.oneIn(4) ? nil : random.pick(interestingCodes))
        default: return FuzzMessage(type: random.pick([1, 4, 0x10, 0x20, 0xFFFF]), command: UInt8(random.below(256)), attributes: [])
        }
    }

    private static func mutate(_ attributes: [FuzzAttribute], _ random: inout SeededGenerator, depth: Int = 0) -> [FuzzAttribute] {
        guard !attributes.isEmpty else { return attributes }
        var attributes = attributes
        let index = random.below(attributes.count)
        switch random.below(9) {
        case 0: attributes.remove(at: index)
        case 1: attributes.insert(attributes[index], at: random.below(attributes.count + 1))
        case 2: attributes.swapAt(index, random.below(attributes.count))
        default:
            let attribute = attributes[index]
            switch (attribute, random.below(6)) {
            case let (.nest(type, children, declared), 0) where depth < 8:
                attributes[index] = .nest(type: type, mutate(children, &random, depth: depth + 1), declaredLength: declared)
            case let (.nest(type, children, _), 1), let (.nest(type, children, _), 0):
                // A nest of a type that expects a value, or wrapped in another nest.
                attributes[index] = random.oneIn(2) ? .leaf(type: type, payload: children.flatMap(\.bytes), declaredLength: nil)
                    : .nest(type: type, [attribute], declaredLength: nil)
            case let (.leaf(type, payload, _), 1):
                attributes[index] = .leaf(type: type, payload: Array(payload.prefix(random.below(payload.count + 1))), declaredLength: nil)
            case let (.leaf(type, payload, _), 2):
                attributes[index] = .leaf(type: type, payload: payload + random.bytes(random.int(in: 1...12)), declaredLength: nil)
            case let (.leaf(type, _, _), 3):
                attributes[index] = .nest(type: type, [.leaf(type: 1, payload: random.bytes(4), declaredLength: nil)], declaredLength: nil)
            case (_, 4):
                // Another attribute type: unknown, zero, or with the nested/byte-order flag bits.
                let type = random.pick([0, 1, 2, 3, 5, 12, 16, 17, 40, 0x3FFF, 0x4001, 0x8001, 0xC002, 0xFFFF] as [UInt16])
                attributes[index] = switch attribute {
                case let .leaf(_, payload, declared): .leaf(type: type, payload: payload, declaredLength: declared)
                case let .nest(_, children, declared): .nest(type: type, children, declaredLength: declared)
                }
            default:
                let declared = random.pick(interestingLengths)
                attributes[index] = switch attribute {
                case let .leaf(type, payload, _): .leaf(type: type, payload: payload, declaredLength: declared)
                case let .nest(type, children, _): .nest(type: type, children, declaredLength: declared)
                }
            }
        }
        return attributes
    }

    private static func datagram(_ random: inout SeededGenerator) -> [UInt8] {
        if random.oneIn(16) { return random.bytes(random.below(200)) }
        var messages = (0..<random.int(in: 1...4)).map { _ in validMessage(&random) }
        for _ in 0..<random.int(in: 0...3) {
            let index = random.below(messages.count)
            switch random.below(5) {
            case 0: messages[index].declaredLength = random.pick(interestingMessageLengths)
            case 1: messages[index].code = random.pick(interestingCodes)
            default: messages[index].attributes = mutate(messages[index].attributes, &random)
            }
        }
        var bytes = messages.flatMap(\.bytes)
        if random.oneIn(4) {
            for _ in 0..<random.int(in: 1...4) where !bytes.isEmpty {
                let position = random.below(bytes.count)
                switch random.below(4) {
                case 0: bytes[position] ^= 1 << UInt8(random.below(8))
                case 1: bytes = Array(bytes.prefix(position))
                case 2: bytes.replaceSubrange(position..<min(bytes.count, position + 4),
                                              with: le32(UInt32(bitPattern: random.pick(interestingCodes))))
                default: bytes.insert(contentsOf: random.bytes(random.int(in: 1...8)), at: position)
                }
            }
        }
        return bytes
    }

    @Test func damagedRepliesDecodeOrAreTypedErrors() async {
        // How far inputs get: a campaign that never decodes a service tests little of the decoders.
        var decoded = 0
        let outcome = await Fuzz.run("IPVS reply decoding", inputs: 30_000, generate: { random -> (prefix: Int, bytes: [UInt8]) in
            // Some inputs decoded from a slice that does not start at index 0.
            (random.oneIn(2) ? 0 : random.int(in: 1...7), ReplyFuzzTests.datagram(&random))
        }, check: { input in
            let buffer = [UInt8](repeating: 0xAA, count: input.prefix) + input.bytes
            let (tables, failure) = ReplyFuzzTests.check(buffer[input.prefix...])
            if !tables.isEmpty { decoded += 1 }
            return failure
        })
        print("fuzz IPVS reply decoding: \(decoded) inputs decoded to a service or a real server")
        #expect(outcome.failures.isEmpty, "\(outcome.failures)")
        #expect(outcome.inputs < 1_000 || decoded > outcome.inputs / 10, "few inputs decode: the generator needs work")
    }

    /// Decodes a datagram as IPVSClient does, then every message with every decoder and the
    /// results through the ipvsadm listings: what decoded, and what went wrong other than a
    /// typed error (nil when nothing did).
    static func check(_ datagram: ArraySlice<UInt8>) -> (decoded: [KernelServiceTable], failure: String?) {
        let messages: [NetlinkMessage]
        do {
            messages = try NetlinkDecoding.messages(in: datagram)
        } catch is NetlinkDecodingError {
            return ([], nil)
        } catch {
            return ([], "messages(in:) threw \(error)")
        }
        if messages.count * NetlinkConstant.headerLength > datagram.count {
            return ([], "\(messages.count) messages from \(datagram.count) bytes")
        }
        var tables: [KernelServiceTable] = []
        var destinations: [Destination] = []
        var info = IPVSInfo(version: 0, connectionTableSize: 0)
        var unexpected: String?
        func attempt<T>(_ decode: () throws -> T) -> T? {
            do {
                return try decode()
            } catch is NetlinkDecodingError, is IPVSDecodingError {
                return nil
            } catch {
                unexpected = "a decoder threw \(error)"
                return nil
            }
        }
        for message in messages {
            _ = try? NetlinkDecoding.failure(in: message)
            if let service = attempt({ try IPVSDecoding.service(from: message) }) {
                tables.append(KernelServiceTable(service: service, destinations: []))
            }
            for family in [IPAddress.Family.inet, .inet6] {
                if let destination = attempt({ try IPVSDecoding.destination(from: message, serviceFamily: family) }) {
                    destinations.append(destination)
                }
            }
            if let decoded = attempt({ try IPVSDecoding.info(from: message) }) { info = decoded }
            if let timeouts = attempt({ try IPVSDecoding.timeouts(from: message) }) { _ = IPVSTableText.render(timeouts) }
        }
        // What was decoded, as `pglvsd ipvs list` prints it.
        if !destinations.isEmpty {
            tables.append(KernelServiceTable(service: VirtualService(key: .firewallMark(1, .inet), scheduler: "rr"),
                                             destinations: destinations))
        }
        for listing in IPVSListing.allCases {
            _ = IPVSTableText.render(tables, info: info, listing: listing)
        }
        return (tables, unexpected)
    }
}
