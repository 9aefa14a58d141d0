/// YAML 1.1's tags and how a plain scalar's text resolves to one: the rules of libyaml's
/// Python and Swift bindings (their default resolvers), written out by hand so
/// resolving costs no regular expression, in the order they apply.
public enum YAMLTag {
    public static let string = "tag:yaml.org,2002:str"
    public static let integer = "tag:yaml.org,2002:int"
    public static let float = "tag:yaml.org,2002:float"
    public static let boolean = "tag:yaml.org,2002:bool"
    public static let null = "tag:yaml.org,2002:null"
    public static let merge = "tag:yaml.org,2002:merge"
    public static let timestamp = "tag:yaml.org,2002:timestamp"
    public static let value = "tag:yaml.org,2002:value"

    static let booleanWords: Set<String> = ["yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE",
                                            "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF"]
    static let nullWords: Set<String> = ["", "~", "null", "Null", "NULL"]

    /// The tag of an untagged plain scalar with this text.
    public static func resolve(plain text: String) -> String {
        if booleanWords.contains(text) { return boolean }
        let bytes = Array(text.utf8)
        if isInteger(bytes) { return integer }
        if isFloat(bytes) { return float }
        if text == "<<" { return merge }
        if nullWords.contains(text) { return null }
        if isTimestamp(bytes) { return timestamp }
        if text == "=" { return value }
        return string
    }

    /// `0b1010`, `0o17`, `017`, `0`, `1_000`, `0x1F`, `1:30`, each with an optional sign.
    static func isInteger(_ bytes: [UInt8]) -> Bool {
        var text = TextCursor(bytes)
        text.skipSign()
        let digits = text
        if text.take("0b") { return text.run(of: "01_") > 0 && text.atEnd }
        if text.take("0x") { return text.run(of: "0123456789abcdefABCDEF_") > 0 && text.atEnd }
        if text.take("0") {
            if text.atEnd { return true }
            _ = text.take("o")
            return text.run(of: "01234567_") > 0 && text.atEnd
        }
        text = digits
        guard text.take(oneOf: "123456789") else { return false }
        text.skipRun(of: "0123456789_")
        if text.atEnd { return true }
        return text.sexagesimalFields() && text.atEnd
    }

    /// `1.5`, `1e3`, `.5`, `1:30.5`, `.inf`, `-.Inf`, `.nan`.
    static func isFloat(_ bytes: [UInt8]) -> Bool {
        var text = TextCursor(bytes)
        if text.take(".") {
            if ["nan", "NaN", "NAN"].contains(where: { text.take($0) }) { return text.atEnd }
            guard text.run(of: "0123456789_") > 0 else { return false }
            if text.take(oneOf: "eE") {
                guard text.take(oneOf: "-+"), text.run(of: "0123456789") > 0 else { return false }
            }
            return text.atEnd
        }
        text.skipSign()
        let signed = text
        if text.take("."), ["inf", "Inf", "INF"].contains(where: { text.take($0) }) { return text.atEnd }
        text = signed
        guard text.take(oneOf: "0123456789") else { return false }
        text.skipRun(of: "0123456789_")
        if text.peek == UInt8(ascii: ":") {
            guard text.sexagesimalFields(), text.take(".") else { return false }
            text.skipRun(of: "0123456789_")
            return text.atEnd
        }
        if text.take(".") { text.skipRun(of: "0123456789_") }
        if text.take(oneOf: "eE") {
            text.skipSign()
            guard text.run(of: "0123456789") > 0 else { return false }
        }
        return text.atEnd
    }

    /// `2002-12-14`, `2001-12-14t21:59:43.10-05:00`, `2001-12-14 21:59:43.10 Z`.
    static func isTimestamp(_ bytes: [UInt8]) -> Bool {
        var text = TextCursor(bytes)
        guard text.run(of: "0123456789") == 4, text.take("-") else { return false }
        let month = text.run(of: "0123456789")
        guard (1...2).contains(month), text.take("-") else { return false }
        let day = text.run(of: "0123456789")
        guard (1...2).contains(day) else { return false }
        if text.atEnd { return month == 2 && day == 2 }
        if !text.take(oneOf: "Tt") {
            guard text.run(of: " \t") > 0 else { return false }
        }
        guard (1...2).contains(text.run(of: "0123456789")), text.take(":"), text.run(of: "0123456789") == 2,
              text.take(":"), text.run(of: "0123456789") == 2 else { return false }
        if text.take(".") { text.skipRun(of: "0123456789") }
        text.skipRun(of: " \t")
        if text.atEnd { return bytes.last != UInt8(ascii: " ") && bytes.last != UInt8(ascii: "\t") }
        if text.take("Z") { return text.atEnd }
        guard text.take(oneOf: "-+"), (1...2).contains(text.run(of: "0123456789")) else { return false }
        if text.take(":") { guard text.run(of: "0123456789") == 2 else { return false } }
        return text.atEnd
    }
}

/// A position in ASCII text for the resolver's hand-written patterns.
struct TextCursor {
    private let bytes: [UInt8]
    private var index = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    var atEnd: Bool { index == bytes.count }
    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func take(_ literal: String) -> Bool {
        let expected = Array(literal.utf8)
        guard bytes.count - index >= expected.count, Array(bytes[index..<index + expected.count]) == expected else { return false }
        index += expected.count
        return true
    }

    mutating func take(oneOf set: String) -> Bool {
        guard let byte = peek, set.utf8.contains(byte) else { return false }
        index += 1
        return true
    }

    mutating func skipSign() {
        _ = take(oneOf: "-+")
    }

    /// How many bytes in `set` were taken.
    mutating func run(of set: String) -> Int {
        let start = index
        while take(oneOf: set) {}
        return index - start
    }

    mutating func skipRun(of set: String) {
        _ = run(of: set)
    }

    /// One or more `:[0-5]?[0-9]`.
    mutating func sexagesimalFields() -> Bool {
        var fields = 0
        while take(":") {
            let start = index
            let count = run(of: "0123456789")
            guard count == 1 || (count == 2 && bytes[start] <= UInt8(ascii: "5")) else { return false }
            fields += 1
        }
        return fields > 0
    }
}
