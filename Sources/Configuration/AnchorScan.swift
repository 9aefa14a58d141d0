// libyaml's event parser, which Yams builds on: the only way to see anchors and aliases
// before any tree is built (Yams' own Parser keeps its events private).
import CYaml

/// Refuses YAML anchors and aliases. A 649-byte file of nested aliases (a "billion laughs")
/// expands to gigabytes when the tree is built and decoded, and a configuration has no need
/// for them: each value is written out.
enum AnchorScan {
    /// The first anchor or alias, with its line and column; nil when there is none, or when
    /// the text is not YAML at all (the loader then reports Yams' own error).
    static func firstAnchorOrAlias(in yaml: String) -> ConfigurationProblem? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return nil }
        defer { yaml_parser_delete(&parser) }
        var bytes = Array(yaml.utf8)
        return bytes.withUnsafeMutableBufferPointer { buffer -> ConfigurationProblem? in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var event = yaml_event_t()
            while yaml_parser_parse(&parser, &event) == 1 {
                defer { yaml_event_delete(&event) }
                let what: String?
                switch event.type {
                case YAML_ALIAS_EVENT: what = "an alias"
                case YAML_SCALAR_EVENT: what = event.data.scalar.anchor == nil ? nil : "an anchor"
                case YAML_SEQUENCE_START_EVENT: what = event.data.sequence_start.anchor == nil ? nil : "an anchor"
                case YAML_MAPPING_START_EVENT: what = event.data.mapping_start.anchor == nil ? nil : "an anchor"
                case YAML_STREAM_END_EVENT: return nil
                default: what = nil
                }
                if let what {
                    // libyaml counts lines and columns from 0.
                    let line = event.start_mark.line + 1, column = event.start_mark.column + 1
                    return ConfigurationProblem(path: "", message: "line \(line), column \(column): \(what) (& or *): "
                                                + "YAML anchors and aliases are not accepted; write each value out")
                }
            }
            return nil
        }
    }
}
