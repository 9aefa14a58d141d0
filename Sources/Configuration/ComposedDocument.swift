import Yams

/// The configuration's YAML tree, shared through the decoder's userInfo for what the Decoder
/// protocol cannot give: a large mapping's entries in one pass, and what was found where
/// something else was expected.
final class ComposedDocument: @unchecked Sendable {
    let root: Node

    static let userInfoKey = CodingUserInfoKey(rawValue: "pglvsd.document")!

    init(root: Node) {
        self.root = root
    }

    /// The node at a decoder's coding path (sequence items by index, mapping values by key).
    func node(at path: [any CodingKey]) -> Node? {
        var node = root
        for key in path {
            switch node {
            case .sequence(let sequence):
                guard let index = key.intValue, sequence.indices.contains(index) else { return nil }
                node = sequence[index]
            case .mapping(let mapping):
                guard let value = mapping[key.stringValue] else { return nil }
                node = value
            case .scalar, .alias:
                return nil
            }
        }
        return node
    }

    /// What a node is, in the words of the configuration's messages.
    static func kind(of node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar, .alias: return node.null != nil ? "nothing" : "a single value"
        }
    }
}
