extension Unicode.Scalar {
    /// Control characters (NUL, ESC, newlines), format characters (bidi overrides such as
    /// U+202E, zero-width characters) and line or paragraph separators: invisible, or they
    /// reorder or break what a terminal, a log line or the status output shows.
    var isHiddenInText: Bool {
        switch properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator: return true
        default: return false
        }
    }

    /// `U+202E`.
    var codePoint: String {
        let hex = String(value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}

extension String {
    /// Why this cannot be a service or server name (it would log and display as another
    /// name, or not at all), or nil.
    var hiddenCharacterProblem: String? {
        guard let hidden = unicodeScalars.first(where: \.isHiddenInText) else { return nil }
        return "must not contain control or formatting characters (found \(hidden.codePoint))"
    }

    /// The text with each hidden character but those in `kept` written as `<U+202E>`, so that
    /// an error message quoting hostile configuration text shows it as it is.
    func showingHiddenCharacters(except kept: Set<Unicode.Scalar> = []) -> String {
        let hidden = { (scalar: Unicode.Scalar) in scalar.isHiddenInText && !kept.contains(scalar) }
        guard unicodeScalars.contains(where: hidden) else { return self }
        var shown = ""
        for scalar in unicodeScalars {
            if hidden(scalar) { shown += "<\(scalar.codePoint)>" } else { shown.unicodeScalars.append(scalar) }
        }
        return shown
    }
}
