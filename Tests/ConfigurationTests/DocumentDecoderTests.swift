import Testing
import YAML
@testable import Configuration

/// The decoder under the configuration, for types it does not use today but any new field may.
@Suite struct DocumentDecoderTests {
    struct Numbers: Decodable {
        enum Mode: Int, Decodable { case off = 0, on = 1 }
        var int: Int
        var port: UInt16
        var ratio: Double
        var mode: Mode
        var optionals: [Int?]
    }

    func decode<T: Decodable>(_ type: T.Type, _ yaml: String) throws -> T {
        let root = try #require(try YAMLParser.parse(yaml))
        return try T(from: DocumentDecoder(root, userInfo: [:]))
    }

    /// Standard numbers decode (their own init(from:) used to ask the decoder for themselves for ever).
    @Test func standardNumbersAndIntegerEnumsDecode() throws {
        let numbers = try decode(Numbers.self, "int: -7\nport: 5432\nratio: 0.5\nmode: 1\noptionals: [1, ~, 3]")
        #expect(numbers.int == -7 && numbers.port == 5432 && numbers.ratio == 0.5 && numbers.mode == .on)
        #expect(numbers.optionals == [1, nil, 3])
    }

    @Test func aNumberOutOfItsTypesRangeIsAMismatch() {
        #expect(throws: DecodingError.self) { try decode(Numbers.self, "int: 1\nport: 70000\nratio: 1\nmode: 0\noptionals: []") }
        #expect(throws: DecodingError.self) { try decode(Numbers.self, "int: \"1\"\nport: 1\nratio: 1\nmode: 0\noptionals: []") }
    }

    /// decodeNil moves past an item only when it is null.
    @Test func decodeNilLeavesAValueInPlace() throws {
        let root = try #require(try YAMLParser.parse("[1, ~]"))
        var items = try DocumentDecoder(root, userInfo: [:]).unkeyedContainer()
        #expect(try items.decodeNil() == false)
        #expect(try items.decode(Int.self) == 1)
        #expect(try items.decodeNil() == true)
        #expect(items.isAtEnd)
    }
}
