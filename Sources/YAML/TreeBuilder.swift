/// Builds the tree from parser events with a stack of open collections, so nesting costs no
/// recursion, and checks each mapping's keys against a set as they come (linear, however many).
struct TreeBuilder {
    private struct OpenCollection {
        var mark: YAMLMark
        var style: YAMLCollectionStyle
        var isMapping: Bool
        var items: [YAMLNode] = []
        /// Keys seen so far in a mapping: for scalars their text and resolved tag, for others
        /// their whole content.
        var keys: Set<KeyIdentity> = []
    }

    /// A key as YAML compares keys: by content and resolved tags, wherever it stands.
    private indirect enum KeyIdentity: Hashable {
        case scalar(String, tag: String)
        case sequence([KeyIdentity])
        case mapping([KeyIdentity])

        init(_ node: YAMLNode) {
            switch node.content {
            case .scalar(let scalar): self = .scalar(scalar.text, tag: scalar.resolvedTag)
            case .sequence(let items, _): self = .sequence(items.map(KeyIdentity.init))
            case .mapping(let pairs, _): self = .mapping(pairs.flatMap { [KeyIdentity($0.key), KeyIdentity($0.value)] })
            }
        }
    }

    let limits: YAMLLimits
    let source: SourceLines
    private var open: [OpenCollection] = []
    private var nodes = 0
    private var documents = 0
    private(set) var root: YAMLNode?

    init(limits: YAMLLimits, source: SourceLines) {
        self.limits = limits
        self.source = source
    }

    mutating func add(_ event: ParserEvent, at mark: YAMLMark) throws(YAMLError) {
        switch event {
        case .streamStart, .streamEnd, .documentEnd, .alias:
            return
        case .documentStart:
            documents += 1
            if documents > 1 {
                throw YAMLError(.multipleDocuments, "but found another document", at: mark, line: source.line(mark.line),
                                context: ("expected a single document in the stream", YAMLMark(line: 1, column: 1)))
            }
        case .scalar(let scalar, _):
            try count(at: mark)
            try place(YAMLNode(.scalar(scalar), mark: mark))
        case .sequenceStart(let style, _), .mappingStart(let style, _):
            try count(at: mark)
            var isMapping = false
            if case .mappingStart = event { isMapping = true }
            open.append(OpenCollection(mark: mark, style: style, isMapping: isMapping))
        case .sequenceEnd, .mappingEnd:
            let closed = open.removeLast()
            if closed.isMapping {
                let pairs = stride(from: 0, to: closed.items.count - 1, by: 2).map {
                    YAMLPair(key: closed.items[$0], value: closed.items[$0 + 1])
                }
                try place(YAMLNode(.mapping(pairs, closed.style), mark: closed.mark))
            } else {
                try place(YAMLNode(.sequence(closed.items, closed.style), mark: closed.mark))
            }
        }
    }

    private mutating func count(at mark: YAMLMark) throws(YAMLError) {
        nodes += 1
        guard nodes <= limits.maximumNodes else {
            throw YAMLError(.tooLarge, "more than \(limits.maximumNodes) nodes", at: mark, line: source.line(mark.line))
        }
    }

    /// A finished node into its collection (a key is checked against the keys before it), or as the root.
    private mutating func place(_ node: YAMLNode) throws(YAMLError) {
        guard let last = open.indices.last else {
            root = node
            return
        }
        if open[last].isMapping && open[last].items.count % 2 == 0 {
            if node.scalar == nil && !limits.allowsCollectionKeys {
                throw YAMLError(.collectionKey, "found a \(node.sequence != nil ? "list" : "mapping") as a key (a key must be a single value)",
                                at: node.mark, line: source.line(node.mark.line), context: ("in the mapping", open[last].mark))
            }
            guard open[last].keys.insert(KeyIdentity(node)).inserted else {
                let name = node.scalar.map { "'\($0.text)'" } ?? "a \(node.sequence != nil ? "list" : "mapping")"
                throw YAMLError(.duplicateKey, "found duplicate key \(name)", at: node.mark, line: source.line(node.mark.line),
                                context: ("in the mapping", open[last].mark))
            }
        }
        open[last].items.append(node)
    }
}
