import YAML

/// Turns YAML text into a validated configuration, or every problem with it.
public enum ConfigurationLoader {
    public static func load(yaml text: String) throws(ConfigurationError) -> DaemonConfiguration {
        // Some editors start a UTF-8 file with a byte order mark; it is no part of the YAML.
        let yaml = text.unicodeScalars.first == "\u{FEFF}" ? String(text.unicodeScalars.dropFirst()) : text
        let root: YAMLNode?
        do {
            root = try YAMLParser.parse(yaml, limits: .configuration)
        } catch {
            throw ConfigurationError(problems: [problem(error)])
        }
        guard let root, case .mapping = root.content else {
            throw ConfigurationError(problems: [ConfigurationProblem(path: "", message: "the configuration must be a YAML mapping")])
        }
        let collector = ProblemCollector()
        let decoded: DaemonConfiguration
        do {
            let decoder = DocumentDecoder(root, userInfo: [ProblemCollector.userInfoKey: collector,
                                                           ComposedDocument.userInfoKey: ComposedDocument(root: root)])
            decoded = try decoder.decode(DaemonConfiguration.self)
        } catch let error as DecodingError {
            throw ConfigurationError(problems: collector.problems + [problem(error)])
        } catch {
            throw ConfigurationError(problems: collector.problems + [ConfigurationProblem(path: "", message: "\(error)")])
        }
        if !collector.problems.isEmpty {
            throw ConfigurationError(problems: collector.problems)
        }
        return decoded
    }

    /// Anchors and aliases in their own words: a 649-byte file of nested aliases (a "billion
    /// laughs") expands to gigabytes once followed, and a configuration has no need for them.
    private static func problem(_ error: YAMLError) -> ConfigurationProblem {
        let what: String
        switch error.kind {
        case .anchor: what = "an anchor"
        case .alias: what = "an alias"
        default: return ConfigurationProblem(path: "", message: "malformed YAML: \(error)")
        }
        return ConfigurationProblem(path: "", message: "line \(error.mark.line), column \(error.mark.column): \(what) (& or *): "
                                    + "YAML anchors and aliases are not accepted; write each value out")
    }

    private static func problem(_ error: DecodingError) -> ConfigurationProblem {
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return ConfigurationProblem(path: keyPath(context.codingPath), message: context.debugDescription)
        case .keyNotFound(let key, let context):
            return ConfigurationProblem(path: keyPath(context.codingPath + [key]), message: "required key is missing")
        @unknown default:
            return ConfigurationProblem(path: "", message: "\(error)")
        }
    }
}
