import YAML

/// The configuration's YAML tree, shared through the decoder's userInfo for what the Decoder
/// protocol cannot give: a large mapping's entries in one pass, and what was found where
/// something else was expected.
final class ComposedDocument: @unchecked Sendable {
    let root: YAMLNode

    static let userInfoKey = CodingUserInfoKey(rawValue: "pglvsd.document")!

    init(root: YAMLNode) {
        self.root = root
    }

    /// The node at a decoder's coding path (sequence items by index, mapping values by key,
    /// as written: keys merged in with `<<` are not followed).
    func node(at path: [any CodingKey]) -> YAMLNode? {
        var node = root
        for key in path {
            switch node.content {
            case .sequence(let sequence, _):
                guard let index = key.intValue, sequence.indices.contains(index) else { return nil }
                node = sequence[index]
            case .mapping:
                guard let value = node[key.stringValue] else { return nil }
                node = value
            case .scalar:
                return nil
            }
        }
        return node
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
