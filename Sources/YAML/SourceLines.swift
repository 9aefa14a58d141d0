/// The text a parse read, kept to quote the line of a problem (only when there is one).
struct SourceLines {
    let bytes: [UInt8]

    /// Line `number` (from 1) without its line break; the last line when the text is shorter,
    /// as a mark at the very end points past the last break.
    func line(_ number: Int) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        var lines: [Substring] = []
        var start = text.unicodeScalars.startIndex
        var index = start
        let scalars = text.unicodeScalars
        while index < scalars.endIndex, lines.count < number {
            let scalar = scalars[index]
            // YAML's line breaks, as libyaml counts lines: LF, CR, CR LF, NEL, LS, PS.
            if ["\n", "\r", "\u{85}", "\u{2028}", "\u{2029}"].contains(scalar) {
                lines.append(Substring(scalars[start..<index]))
                var next = scalars.index(after: index)
                if scalar == "\r", next < scalars.endIndex, scalars[next] == "\n" { next = scalars.index(after: next) }
                start = next
                index = next
            } else {
                index = scalars.index(after: index)
            }
        }
        if lines.count < number && start < scalars.endIndex { lines.append(Substring(scalars[start...])) }
        return lines.last.map(String.init) ?? ""
    }

    /// The mark of a byte offset (libyaml's reader errors give only the offset).
    func mark(ofByte offset: Int) -> YAMLMark {
        let prefix = String(decoding: bytes.prefix(offset), as: UTF8.self)
        var line = 1, column = 1
        var previous: Unicode.Scalar?
        for scalar in prefix.unicodeScalars {
            if scalar == "\n" && previous == "\r" {
                // CR LF is one break, counted at the CR.
            } else if ["\n", "\r", "\u{85}", "\u{2028}", "\u{2029}"].contains(scalar) {
                line += 1
                column = 1
            } else {
                column += 1
            }
            previous = scalar
        }
        return YAMLMark(line: line, column: column)
    }
}
