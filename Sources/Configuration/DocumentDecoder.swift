import YAML

/// What a decoding error says was expected where the document had another kind of node
/// (FieldReader words these as "a single value", "a list", "a mapping").
enum ExpectedNode {
    enum Scalar {}
    enum Sequence {}
    enum Mapping {}
}

/// Decodes configuration types from the YAML tree, reading scalars as the configuration
/// always has (ScalarReading): the Decoder protocol gives each type its key path for free.
struct DocumentDecoder: Decoder {
    let node: YAMLNode
    let codingPath: [any CodingKey]
    let userInfo: [CodingUserInfoKey: Any]

    init(_ node: YAMLNode, codingPath: [any CodingKey] = [], userInfo: [CodingUserInfoKey: Any]) {
        self.node = node
        self.codingPath = codingPath
        self.userInfo = userInfo
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard let pairs = node.mapping else { throw mismatch(ExpectedNode.Mapping.self) }
        return KeyedDecodingContainer(DocumentKeyedContainer(decoder: self, pairs: pairs))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard let items = node.sequence else { throw mismatch(ExpectedNode.Sequence.self) }
        return DocumentUnkeyedContainer(decoder: self, items: items)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    func child(_ node: YAMLNode, _ key: any CodingKey) -> DocumentDecoder {
        DocumentDecoder(node, codingPath: codingPath + [key], userInfo: userInfo)
    }

    /// The scalar here, or a mismatch that names what was expected.
    func scalar() throws -> YAMLScalar {
        guard let scalar = node.scalar else { throw mismatch(ExpectedNode.Scalar.self) }
        return scalar
    }

    func mismatch(_ expected: Any.Type) -> DecodingError {
        .typeMismatch(expected, .init(codingPath: codingPath, debugDescription: "expected \(expected) at \(node.mark)"))
    }
}

extension DocumentDecoder: SingleValueDecodingContainer {
    func decodeNil() -> Bool { node.scalar?.isNull == true }

    /// Standard numbers are read as the configuration's own (their `init(from:)` would ask this
    /// container for themselves again, for ever); anything else decodes itself.
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if let reading = T.self as? any ScalarReadable.Type {
            guard let value = reading.read(try scalar()) as? T else { throw mismatch(T.self) }
            return value
        }
        if let integer = T.self as? any FixedWidthInteger.Type, let value = try self.integer(integer) as? T { return value }
        if let real = T.self as? any BinaryFloatingPoint.Type, let value = try self.real(real) as? T { return value }
        return try T(from: self)
    }

    private func integer<I: FixedWidthInteger>(_ type: I.Type) throws -> I {
        guard let number = ConfigInteger.read(try scalar()), let value = I(exactly: number.value) else { throw mismatch(I.self) }
        return value
    }

    private func real<F: BinaryFloatingPoint>(_ type: F.Type) throws -> F {
        guard let number = Double.read(try scalar()) else { throw mismatch(F.self) }
        return F(number)
    }
}

/// A mapping's fields by name. Keys merged in with `<<` come first and the mapping's own keys
/// after them, the last of a name winning, as YAML's merge key says; the index keeps each
/// lookup constant however many keys there are.
struct DocumentKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: DocumentDecoder
    let pairs: [YAMLPair]
    private let index: [String: YAMLNode]

    init(decoder: DocumentDecoder, pairs: [YAMLPair]) {
        self.decoder = decoder
        self.pairs = MergeKeys.flatten(pairs)
        index = MergeKeys.index(pairs)
    }

    var codingPath: [any CodingKey] { decoder.codingPath }
    var allKeys: [Key] { pairs.compactMap { $0.key.scalar.flatMap { Key(stringValue: $0.text) } } }

    func contains(_ key: Key) -> Bool { index[key.stringValue] != nil }

    func decodeNil(forKey key: Key) throws -> Bool { try child(key).decodeNil() }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try child(key).decode(type) }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try child(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { try child(key).unkeyedContainer() }

    func superDecoder() throws -> any Decoder { try child(AnyCodingKey(stringValue: "super")) }

    func superDecoder(forKey key: Key) throws -> any Decoder { try child(key) }

    private func child(_ key: any CodingKey) throws -> DocumentDecoder {
        guard let node = index[key.stringValue] else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath,
                debugDescription: "No value associated with key \(key) (\"\(key.stringValue)\")."))
        }
        return decoder.child(node, key)
    }
}

/// A list's items in order.
struct DocumentUnkeyedContainer: UnkeyedDecodingContainer {
    let decoder: DocumentDecoder
    let items: [YAMLNode]
    var currentIndex = 0

    init(decoder: DocumentDecoder, items: [YAMLNode]) {
        self.decoder = decoder
        self.items = items
    }

    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    /// Moves past the item only when it is null, as the protocol says.
    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(Never.self, .init(codingPath: codingPath + [AnyCodingKey(intValue: currentIndex)],
                                                               debugDescription: "Unkeyed container is at end."))
        }
        guard items[currentIndex].scalar?.isNull == true else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next(T.self) { try $0.decode(type) } }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next(KeyedDecodingContainer<NestedKey>.self) { try $0.container(keyedBy: type) }
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try next((any UnkeyedDecodingContainer).self) { try $0.unkeyedContainer() }
    }

    mutating func superDecoder() throws -> any Decoder { try next((any Decoder).self) { $0 } }

    private mutating func next<T>(_ type: T.Type, _ body: (DocumentDecoder) throws -> T) throws -> T {
        let key = AnyCodingKey(intValue: currentIndex)
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(type, .init(codingPath: codingPath + [key], debugDescription: "Unkeyed container is at end."))
        }
        let value = try body(decoder.child(items[currentIndex], key))
        currentIndex += 1
        return value
    }
}
