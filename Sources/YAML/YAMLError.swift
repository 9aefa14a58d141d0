/// Why a text is no YAML document the parser accepts, and where.
public struct YAMLError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// Bytes that are not UTF-8 or characters YAML forbids (libyaml's reader).
        case reader
        /// Tokens: an unterminated quote, a tab where indentation belongs (libyaml's scanner).
        case scanner
        /// Structure: a missing `]`, a key where none may be (libyaml's parser).
        case parser
        /// An anchor (`&name`), refused wherever it stands.
        case anchor
        /// An alias (`*name`), refused wherever it stands.
        case alias
        /// The same key twice in one mapping.
        case duplicateKey
        /// A list or mapping as a key, unless YAMLLimits allows it.
        case collectionKey
        /// A second document (`---`) where one is expected.
        case multipleDocuments
        /// Past YAMLLimits.
        case tooDeep, tooLarge
    }

    public var kind: Kind
    /// What is wrong, as libyaml or this module words it.
    public var problem: String
    /// What was being read when it went wrong, and where that began (libyaml's context).
    public var context: (text: String, mark: YAMLMark)? {
        contextText.flatMap { text in contextMark.map { (text, $0) } }
    }
    public var mark: YAMLMark
    /// The line at `mark`. Never part of `description`: a configuration line may hold a
    /// password (a conninfo), and messages reach the journal and Pacemaker's status.
    public var line: String

    private var contextText: String?
    private var contextMark: YAMLMark?

    public init(_ kind: Kind, _ problem: String, at mark: YAMLMark, line: String,
                context: (text: String, mark: YAMLMark)? = nil) {
        self.kind = kind
        self.problem = problem
        self.mark = mark
        self.line = line
        contextText = context?.text
        contextMark = context?.mark
    }

    /// libyaml's stage, as the message names it.
    var stage: String {
        switch kind {
        case .reader: return "reader"
        case .scanner: return "scanner"
        case .parser: return "parser"
        case .anchor, .alias, .duplicateKey, .collectionKey, .multipleDocuments, .tooDeep, .tooLarge: return "composer"
        }
    }

    /// `2:1: error: parser: while parsing … in line 1, column 9\nproblem`: where and what, never
    /// the text itself (see `line`).
    public var description: String {
        let context = self.context.map { "\($0.text) in line \($0.mark.line), column \($0.mark.column)\n" } ?? ""
        return "\(mark): error: \(stage): \(context)\(problem)"
    }
}
