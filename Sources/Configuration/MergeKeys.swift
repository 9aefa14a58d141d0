import YAML

/// YAML 1.1's merge key: `<<: {a: 1}` (or a list of mappings) lends its keys to the mapping
/// it stands in. The configuration has always honoured it where a struct's fields are read;
/// with anchors refused, only a mapping written in place can be merged.
enum MergeKeys {
    /// The merged pairs first (a list's later mappings before its earlier ones, so the earlier
    /// win), then the mapping's own; a merge of anything but a mapping or a list of them adds nothing.
    static func flatten(_ pairs: [YAMLPair]) -> [YAMLPair] {
        guard pairs.contains(where: isMerge) else { return pairs }
        var merged: [YAMLPair] = []
        var own: [YAMLPair] = []
        for pair in pairs {
            guard isMerge(pair) else {
                own.append(pair)
                continue
            }
            switch pair.value.content {
            case .mapping(let inner, _):
                merged += flatten(inner)
            case .sequence(let items, _):
                for item in items.reversed() {
                    if let inner = item.mapping { merged += flatten(inner) }
                }
            case .scalar:
                break
            }
        }
        return merged + own
    }

    /// The values by name of a mapping as the decoder reads it: merged keys first, the last of
    /// a name winning.
    static func index(_ pairs: [YAMLPair]) -> [String: YAMLNode] {
        var index: [String: YAMLNode] = [:]
        for pair in flatten(pairs) {
            if let key = pair.key.scalar, key.reads(as: key.text) { index[key.text] = pair.value }
        }
        return index
    }

    private static func isMerge(_ pair: YAMLPair) -> Bool {
        pair.key.scalar?.resolvedTag == YAMLTag.merge
    }
}
