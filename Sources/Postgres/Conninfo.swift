import CLibPQ

/// Helpers over libpq connection strings.
public enum Conninfo {
    /// Parses a conninfo (key=value or URI form) and returns it with secrets removed, fit for
    /// logs and status output: `host=10.0.0.100 port=5432 user=pglvsd dbname=postgres`.
    public static func redacted(_ conninfo: String) throws(PostgresError) -> String {
        let options = try parse(conninfo)
        return options
            .filter { !secretKeys.contains($0.key) }
            .map { "\($0.key)=\($0.value)" }
            .joined(separator: " ")
    }

    /// Throws when libpq cannot parse the string; the error never repeats its content.
    public static func validate(_ conninfo: String) throws(PostgresError) {
        _ = try parse(conninfo)
    }

    /// The value of one setting of a conninfo (e.g. `passfile`), when it is set.
    public static func value(of key: String, in conninfo: String) throws(PostgresError) -> String? {
        try parse(conninfo).first { $0.key == key }?.value
    }

    static let secretKeys: Set<String> = ["password", "sslpassword", "sslkey"]

    static func parse(_ conninfo: String) throws(PostgresError) -> [(key: String, value: String)] {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(conninfo, &errorMessage) else {
            var text = "invalid conninfo"
            if let errorMessage {
                text += ": " + maskingQuotedText(String(cString: errorMessage).trimmingTrailingNewlines())
                PQfreemem(errorMessage)
            }
            throw PostgresError(code: .invalidConninfo, message: text)
        }
        defer { PQconninfoFree(options) }
        var result: [(key: String, value: String)] = []
        var cursor = options
        while let keyword = cursor.pointee.keyword {
            if let value = cursor.pointee.val {
                result.append((String(cString: keyword), String(cString: value)))
            }
            cursor += 1
        }
        return result
    }
}

/// libpq quotes the token it choked on, which may be part of a password: keep the sentence,
/// drop the quoted text.
func maskingQuotedText(_ message: String) -> String {
    var result = ""
    var inQuote = false
    for character in message {
        if character == "\"" {
            result.append(inQuote ? "…\"" : "\"")
            inQuote.toggle()
        } else if !inQuote {
            result.append(character)
        }
    }
    return result
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var text = self
        while text.last == "\n" || text.last == " " { text.removeLast() }
        return text
    }
}
