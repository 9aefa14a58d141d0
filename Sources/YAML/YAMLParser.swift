/// How much of a document the parser builds before it gives up: nesting and nodes in all.
/// Both bound the work and memory a hostile text can cost (every node costs a few bytes of
/// text, so the node bound rarely binds before a file size limit does).
public struct YAMLLimits: Hashable, Sendable {
    public var maximumDepth: Int
    public var maximumNodes: Int
    /// A list or mapping as a key (`? [a, b]`): comparing such keys for duplicates costs their
    /// size at every level they nest in, and no configuration needs them.
    public var allowsCollectionKeys: Bool

    public init(maximumDepth: Int = 100, maximumNodes: Int = 1_000_000, allowsCollectionKeys: Bool = false) {
        self.maximumDepth = maximumDepth
        self.maximumNodes = maximumNodes
        self.allowsCollectionKeys = allowsCollectionKeys
    }
}

/// Reads one YAML document into a tree of YAMLNode, refusing anchors and aliases.
public enum YAMLParser {
    /// The document's root, or nil when the text holds no document (empty, or comments only).
    ///
    /// Errors come in the order the old loader met them: an anchor or alias anywhere before a
    /// syntax error is named first (an alias bomb is refused before anything else is said); then
    /// whichever came first in the text of a syntax error, a duplicate key or a second document.
    public static func parse(_ text: String, limits: YAMLLimits = YAMLLimits()) throws(YAMLError) -> YAMLNode? {
        try parse(bytes: Array(text.utf8), limits: limits)
    }

    public static func parse(bytes: [UInt8], limits: YAMLLimits = YAMLLimits()) throws(YAMLError) -> YAMLNode? {
        let reader = EventReader(bytes: bytes)
        var builder = TreeBuilder(limits: limits, source: reader.source)
        var failure: YAMLError?
        // Counted here, not in the builder, as it bounds the scan for anchors after a problem too:
        // libyaml's scanner costs time in proportion to the depth for each token.
        var depth = 0
        while true {
            let event: ParserEvent, mark: YAMLMark
            do {
                (event, mark) = try reader.next()
            } catch {
                throw failure ?? error
            }
            if let refused = refusal(event, mark, reader.source) { throw refused }
            switch event {
            case .sequenceStart, .mappingStart:
                depth += 1
                guard depth <= limits.maximumDepth else {
                    throw failure ?? YAMLError(.tooDeep, "nested more than \(limits.maximumDepth) levels deep", at: mark,
                                               line: reader.source.line(mark.line))
                }
            case .sequenceEnd, .mappingEnd: depth -= 1
            default: break
            }
            if case .streamEnd = event {
                if let failure { throw failure }
                return builder.root
            }
            // After the first problem the rest is only scanned for anchors and aliases.
            guard failure == nil else { continue }
            do {
                try builder.add(event, at: mark)
            } catch {
                failure = error
            }
        }
    }

    /// The error for an anchor or an alias, nil for any other event.
    private static func refusal(_ event: ParserEvent, _ mark: YAMLMark, _ source: SourceLines) -> YAMLError? {
        let anchored: Bool
        switch event {
        case .alias:
            return YAMLError(.alias, "found an alias (*); aliases are not accepted", at: mark, line: source.line(mark.line))
        case .scalar(_, let flag), .sequenceStart(_, let flag), .mappingStart(_, let flag): anchored = flag
        default: anchored = false
        }
        guard anchored else { return nil }
        return YAMLError(.anchor, "found an anchor (&); anchors are not accepted", at: mark, line: source.line(mark.line))
    }
}
