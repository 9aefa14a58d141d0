import CYAML

/// One event of libyaml's parser, in Swift terms. Anchors are noted, never resolved.
enum ParserEvent {
    case streamStart, streamEnd, documentStart, documentEnd
    case alias
    case scalar(YAMLScalar, anchored: Bool)
    case sequenceStart(YAMLCollectionStyle, anchored: Bool)
    case sequenceEnd
    case mappingStart(YAMLCollectionStyle, anchored: Bool)
    case mappingEnd
}

/// libyaml's event parser (yaml_parser_parse) over a copy of the text: the only place that
/// touches libyaml. Its loader is never used, so no alias is ever expanded.
final class EventReader {
    private let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
    private let input: UnsafeMutableBufferPointer<UInt8>
    let source: SourceLines

    init(bytes: [UInt8]) {
        source = SourceLines(bytes: bytes)
        input = .allocate(capacity: max(bytes.count, 1))
        _ = input.initialize(from: bytes)
        // Fails only without memory for its buffers, which Swift traps on everywhere else.
        precondition(yaml_parser_initialize(parser) == 1, "libyaml could not allocate a parser")
        yaml_parser_set_input_string(parser, input.baseAddress, bytes.count)
    }

    deinit {
        yaml_parser_delete(parser)
        parser.deallocate()
        input.deallocate()
    }

    /// The next event and where it starts.
    func next() throws(YAMLError) -> (ParserEvent, YAMLMark) {
        var event = yaml_event_t()
        guard yaml_parser_parse(parser, &event) == 1 else { throw failure() }
        defer { yaml_event_delete(&event) }
        let mark = YAMLMark(line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
        switch event.type {
        case YAML_STREAM_START_EVENT: return (.streamStart, mark)
        case YAML_STREAM_END_EVENT: return (.streamEnd, mark)
        case YAML_DOCUMENT_START_EVENT: return (.documentStart, mark)
        case YAML_DOCUMENT_END_EVENT: return (.documentEnd, mark)
        case YAML_ALIAS_EVENT: return (.alias, mark)
        case YAML_SCALAR_EVENT:
            let data = event.data.scalar
            // A scalar may hold NUL (written "\0"), so its length counts, not a terminator.
            let text = String(decoding: UnsafeBufferPointer(start: data.value, count: data.length), as: UTF8.self)
            let tag = data.tag.map { String(cString: $0) }
            return (.scalar(YAMLScalar(text, style: EventReader.style(data.style), tag: tag), anchored: data.anchor != nil), mark)
        case YAML_SEQUENCE_START_EVENT:
            let data = event.data.sequence_start
            return (.sequenceStart(data.style == YAML_FLOW_SEQUENCE_STYLE ? .flow : .block, anchored: data.anchor != nil), mark)
        case YAML_SEQUENCE_END_EVENT: return (.sequenceEnd, mark)
        case YAML_MAPPING_START_EVENT:
            let data = event.data.mapping_start
            return (.mappingStart(data.style == YAML_FLOW_MAPPING_STYLE ? .flow : .block, anchored: data.anchor != nil), mark)
        case YAML_MAPPING_END_EVENT: return (.mappingEnd, mark)
        default:
            // YAML_NO_EVENT comes only after an error, which returned above.
            throw YAMLError(.parser, "no event", at: mark, line: source.line(mark.line))
        }
    }

    private static func style(_ style: yaml_scalar_style_t) -> YAMLScalar.Style {
        switch style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: return .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: return .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: return .literal
        case YAML_FOLDED_SCALAR_STYLE: return .folded
        default: return .plain
        }
    }

    /// The parser's error, with its place and context.
    private func failure() -> YAMLError {
        let state = parser.pointee
        let problem = state.problem.map { String(cString: $0) }
            ?? (state.error == YAML_MEMORY_ERROR ? "libyaml ran out of memory" : "libyaml failed without saying why")
        let mark: YAMLMark
        let kind: YAMLError.Kind
        switch state.error {
        case YAML_READER_ERROR:
            return YAMLError(.reader, problem, at: source.mark(ofByte: state.problem_offset),
                             line: source.line(source.mark(ofByte: state.problem_offset).line))
        case YAML_SCANNER_ERROR: kind = .scanner
        case YAML_MEMORY_ERROR: kind = .tooLarge
        default: kind = .parser
        }
        mark = YAMLMark(line: Int(state.problem_mark.line) + 1, column: Int(state.problem_mark.column) + 1)
        let context = state.context.map { text in
            (String(cString: text), YAMLMark(line: Int(state.context_mark.line) + 1, column: Int(state.context_mark.column) + 1))
        }
        return YAMLError(kind, problem, at: mark, line: source.line(mark.line), context: context)
    }
}
