/// One thing wrong with a configuration, at a key path such as `virtual_services[0].port`.
public struct ConfigurationProblem: Hashable, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    /// As check-config prints it. Paths and messages may quote the file's text, so its hidden
    /// characters (a NUL, a bidi override) are shown as code points; a message keeps its line
    /// breaks (a YAML syntax error names what was being read on a line of its own).
    public var description: String {
        let message = message.showingHiddenCharacters(except: ["\n"])
        return path.isEmpty ? message : "\(path.showingHiddenCharacters()): \(message)"
    }
}

/// Every problem found in a configuration, reported together.
public struct ConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    public var problems: [ConfigurationProblem]

    public init(problems: [ConfigurationProblem]) {
        self.problems = problems
    }

    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

/// Renders a Codable path the way an operator reads YAML: `a.b[2].c`.
func keyPath(_ path: [any CodingKey]) -> String {
    var text = ""
    for key in path {
        if let index = key.intValue, key.stringValue.hasPrefix("Index") || key.stringValue == "\(index)" {
            text += "[\(index)]"
        } else {
            text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
        }
    }
    return text
}
