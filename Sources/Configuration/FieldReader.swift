// Decoding helpers that record every problem instead of stopping at the first, so that
// `check-config` can report all of them at once, each with its key path.
import YAML

/// Collects problems while a configuration decodes; shared through the decoder's userInfo
/// (one decode, on one thread: it need not be Sendable).
final class ProblemCollector {
    var problems: [ConfigurationProblem] = []

    static let userInfoKey = CodingUserInfoKey(rawValue: "pglvsd.problems")!

    func add(_ path: [any CodingKey], _ message: String) {
        problems.append(ConfigurationProblem(path: keyPath(path), message: message))
    }
}

struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) {
        self.stringValue = "\(intValue)"
        self.intValue = intValue
    }
}

/// Reads the fields of one YAML mapping, rejecting keys it does not know.
struct FieldReader<Key: CodingKey & CaseIterable> {
    let container: KeyedDecodingContainer<Key>
    let collector: ProblemCollector
    let document: ComposedDocument
    let path: [any CodingKey]

    init(_ decoder: any Decoder, _: Key.Type) throws {
        guard let collector = decoder.userInfo[ProblemCollector.userInfoKey] as? ProblemCollector,
              let document = decoder.userInfo[ComposedDocument.userInfoKey] as? ComposedDocument else {
            preconditionFailure("configuration types decode through ConfigurationLoader")
        }
        self.collector = collector
        self.document = document
        self.path = decoder.codingPath
        let all = try decoder.container(keyedBy: AnyCodingKey.self)
        let known = Set(Key.allCases.map(\.stringValue))
        for key in all.allKeys where !known.contains(key.stringValue) {
            let expected = Key.allCases.map(\.stringValue).sorted().joined(separator: ", ")
            collector.add(path + [key], "unknown key (expected one of: \(expected))")
        }
        container = try decoder.container(keyedBy: Key.self)
    }

    func problem(_ key: Key?, _ message: String) {
        collector.add(key.map { path + [$0] } ?? path, message)
    }

    /// The value, or nil after recording why it is missing or malformed.
    func required<T: Decodable>(_ key: Key, _ type: T.Type = T.self) -> T? {
        guard container.contains(key) else {
            problem(key, "required key is missing")
            return nil
        }
        return optional(key, type)
    }

    /// The value when present and well-formed; nil when absent or after recording a problem.
    func optional<T: Decodable>(_ key: Key, _ type: T.Type = T.self) -> T? {
        guard container.contains(key) else { return nil }
        do {
            if try container.decodeNil(forKey: key) {
                problem(key, "must not be empty")
                return nil
            }
            return try container.decode(T.self, forKey: key)
        } catch let error as DecodingError {
            problem(key, describe(error, decoding: T.self))
            return nil
        } catch {
            problem(key, "\(error)")
            return nil
        }
    }

    /// An integer field, through ConfigInteger (never Int64: see ConfigInteger).
    func integer(_ key: Key, required isRequired: Bool = false) -> Int64? {
        let number: ConfigInteger? = isRequired ? required(key) : optional(key)
        return number?.value
    }

    /// A mapping's entries in file order, read from the composed document in one pass: through
    /// the Decoder protocol each key is a lookup of its own (in the loader before ours a linear
    /// search: 20,000 weights took half a minute).
    /// Nil when absent, or after recording why it is not a mapping of names.
    func entries(_ key: Key) -> [(name: String, value: YAMLNode)]? {
        guard container.contains(key), let node = document.node(at: path + [key]) else { return nil }
        guard let mapping = node.mapping else {
            problem(key, node.scalar?.isNull == true ? "must not be empty" : "expected a mapping, found \(ComposedDocument.kind(of: node))")
            return nil
        }
        var entries: [(name: String, value: YAMLNode)] = []
        entries.reserveCapacity(mapping.count)
        for (name, value) in mapping.map({ ($0.key, $0.value) }) {
            guard let text = name.scalar?.text else {
                problem(key, "a key must be a name, found \(ComposedDocument.kind(of: name))")
                return nil
            }
            entries.append((text, value))
        }
        return entries
    }

    private func describe(_ error: DecodingError, decoding decoded: Any.Type) -> String {
        switch error {
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            // The decoder names a scalar where the field's own type says more ("a string").
            let expected = typeName(type is ExpectedNode.Scalar.Type && context.codingPath.count == path.count + 1 ? decoded : type)
            // Say what was there when it is another kind of thing (a list for a mapping).
            if let node = document.node(at: context.codingPath),
               node.scalar == nil || expected == "a mapping" || expected == "a list" {
                let found = ComposedDocument.kind(of: node)
                if found != expected { return "expected \(expected), found \(found)" }
            }
            return "expected \(expected)"
        case .keyNotFound(let key, _): return "missing key \(key.stringValue)"
        case .dataCorrupted(let context): return context.debugDescription
        @unknown default: return "\(error)"
        }
    }

    private func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is ConfigInteger.Type, is Int.Type, is Int64.Type, is UInt16.Type, is UInt32.Type: return "an integer"
        case is Bool.Type: return "true or false"
        case is ExpectedNode.Sequence.Type, is any ExpressibleByArrayLiteral.Type: return "a list"
        case is ExpectedNode.Scalar.Type: return "a single value"
        default: return "a mapping"
        }
    }
}
