import YAML

/// The configuration's YAML tree, shared through the decoder's userInfo for what the Decoder
/// protocol cannot give: a large mapping's entries in one pass, and what was found where
/// something else was expected. One decode reads it, on one thread: it need not be Sendable.
final class ComposedDocument {
    let root: YAMLNode

    static let userInfoKey = CodingUserInfoKey(rawValue: "pglvsd.document")!

    init(root: YAMLNode) {
        self.root = root
    }

    /// Each mapping's values by name (merged keys first, the last of a name winning, as the
    /// decoder reads them), built once per mapping on first use: error reporting walks a path
    /// per problem, and a linear search per step would make thousands of problems quadratic.
    private var indexes: [[String]: [String: YAMLNode]] = [:]

    /// The node at a decoder's coding path (sequence items by index, mapping values by key,
    /// keys merged in with `<<` followed as the decoder follows them).
    func node(at path: [any CodingKey]) -> YAMLNode? {
        var node = root
        var walked: [String] = []
        for key in path {
            switch node.content {
            case .sequence(let sequence, _):
                guard let index = key.intValue, sequence.indices.contains(index) else { return nil }
                node = sequence[index]
            case .mapping(let pairs, _):
                guard let value = index(of: pairs, at: walked)[key.stringValue] else { return nil }
                node = value
            case .scalar:
                return nil
            }
            walked.append(key.stringValue)
        }
        return node
    }

    private func index(of pairs: [YAMLPair], at path: [String]) -> [String: YAMLNode] {
        if let known = indexes[path] { return known }
        let built = MergeKeys.index(pairs)
        indexes[path] = built
        return built
    }

    /// What a node is, in the words of the configuration's messages.
    static func kind(of node: YAMLNode) -> String {
        switch node.content {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let scalar): return scalar.isNull ? "nothing" : "a single value"
        }
    }
}
