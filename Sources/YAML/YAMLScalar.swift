/// A scalar's text as written, with what YAML needs to read it: `port: 5432` is a number
/// where `port: "5432"` is a string, `~` is null where `'~'` is a tilde.
public struct YAMLScalar: Hashable, Sendable {
    public enum Style: Hashable, Sendable {
        case plain, singleQuoted, doubleQuoted, literal, folded
    }

    /// The text after quotes, escapes and folding are undone.
    public var text: String
    public var style: Style
    /// An explicit tag in full (`!!int` is `tag:yaml.org,2002:int`); nil when none is written.
    public var tag: String?

    public init(_ text: String, style: Style = .plain, tag: String? = nil) {
        self.text = text
        self.style = style
        self.tag = tag
    }

    /// The tag YAML 1.1 gives the scalar: the written one, else `str` for any quoted or block
    /// scalar, else what a plain scalar's text looks like (YAMLTag.resolve).
    public var resolvedTag: String {
        if let tag { return tag == "!" ? YAMLTag.string : tag }
        return style == .plain ? YAMLTag.resolve(plain: text) : YAMLTag.string
    }

    /// A string by its tag: quoted, a block scalar, or tagged `!!str`; a plain scalar's text
    /// may still read as a number, a boolean or null.
    public var isTaggedString: Bool {
        tag == YAMLTag.string || (tag == nil && style != .plain)
    }

    /// YAML's null: a plain `~`, `null`, `Null`, `NULL`, or nothing at all (`key:`).
    public var isNull: Bool {
        style == .plain && YAMLTag.nullWords.contains(text)
    }

    /// Whether this is the same key as the plain name `name` (same text, same resolved tag).
    public func reads(as name: String) -> Bool {
        text == name && resolvedTag == YAMLTag.resolve(plain: name)
    }
}
