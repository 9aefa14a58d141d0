/// Where a node or a problem starts in the text, counted from 1 as an editor shows it
/// (columns in characters, as libyaml counts them).
public struct YAMLMark: Hashable, Sendable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// `3:7`, as libyaml's own tools write a place.
    public var description: String { "\(line):\(column)" }
}

/// One node of a YAML document, with where it starts. Anchors and aliases never appear: the
/// parser refuses them, so a tree is always exactly what the text spells out.
public struct YAMLNode: Hashable, Sendable {
    public enum Content: Hashable, Sendable {
        case scalar(YAMLScalar)
        case sequence([YAMLNode], YAMLCollectionStyle)
        /// Pairs in file order; keys may be any node, as YAML allows.
        case mapping([YAMLPair], YAMLCollectionStyle)
    }

    public var content: Content
    public var mark: YAMLMark

    public init(_ content: Content, mark: YAMLMark) {
        self.content = content
        self.mark = mark
    }

    public var scalar: YAMLScalar? {
        if case .scalar(let scalar) = content { return scalar }
        return nil
    }

    public var sequence: [YAMLNode]? {
        if case .sequence(let items, _) = content { return items }
        return nil
    }

    public var mapping: [YAMLPair]? {
        if case .mapping(let pairs, _) = content { return pairs }
        return nil
    }

    /// A mapping's value for a key written as this plain name (`port`, `"port"`), the last one
    /// when several match; nil for anything but a mapping. A linear search: for many lookups
    /// in one mapping, index it (YAMLKeyIndex).
    public subscript(name: String) -> YAMLNode? {
        guard let pairs = mapping else { return nil }
        return pairs.last(where: { $0.key.scalar?.reads(as: name) == true })?.value
    }
}

public struct YAMLPair: Hashable, Sendable {
    public var key: YAMLNode
    public var value: YAMLNode

    public init(key: YAMLNode, value: YAMLNode) {
        self.key = key
        self.value = value
    }
}

/// `[a, b]` and `{a: 1}` are flow; indented lines are block.
public enum YAMLCollectionStyle: Hashable, Sendable {
    case block, flow
}
