import Yams

/// Turns YAML text into a validated configuration, or every problem with it.
public enum ConfigurationLoader {
    public static func load(yaml text: String) throws(ConfigurationError) -> DaemonConfiguration {
        // Some editors start a UTF-8 file with a byte order mark; it is no part of the YAML.
        let yaml = text.unicodeScalars.first == "\u{FEFF}" ? String(text.unicodeScalars.dropFirst()) : text
        let collector = ProblemCollector()
        let decoded: DaemonConfiguration
        if let problem = AnchorScan.firstAnchorOrAlias(in: yaml) {
            throw ConfigurationError(problems: [problem])
        }
        do {
            guard let root = try Yams.compose(yaml: yaml), case .mapping = root else {
                throw ConfigurationError(problems: [ConfigurationProblem(path: "", message: "the configuration must be a YAML mapping")])
            }
            decoded = try YAMLDecoder().decode(DaemonConfiguration.self, from: root,
                                               userInfo: [ProblemCollector.userInfoKey: collector,
                                                          ComposedDocument.userInfoKey: ComposedDocument(root: root)])
        } catch let error as ConfigurationError {
            throw error
        } catch let error as YamlError {
            throw ConfigurationError(problems: collector.problems + [ConfigurationProblem(path: "", message: "malformed YAML: \(error)")])
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
