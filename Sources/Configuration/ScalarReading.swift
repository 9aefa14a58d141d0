import YAML

/// A type read from one scalar, as the configuration has always read it: any
/// scalar is a string; true/false/yes/no/on/off unless quoted; numbers only when plain, so
/// `port: "5432"` is no port.
protocol ScalarReadable {
    static func read(_ scalar: YAMLScalar) -> Self?
}

extension String: ScalarReadable {
    static func read(_ scalar: YAMLScalar) -> String? { scalar.text }
}

extension Bool: ScalarReadable {
    static func read(_ scalar: YAMLScalar) -> Bool? {
        guard !scalar.isTaggedString else { return nil }
        switch scalar.text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: return nil
        }
    }
}

extension Double: ScalarReadable {
    /// Decimal, `1e3`, `.inf`, `.nan`, `1_000.5`, and YAML 1.1's base 60 (`1:30.5`).
    static func read(_ scalar: YAMLScalar) -> Double? {
        guard scalar.style == .plain else { return nil }
        switch scalar.text.lowercased() {
        case ".inf", "+.inf": return .infinity
        case "-.inf": return -.infinity
        case ".nan": return .nan
        default: break
        }
        let text = scalar.text.filter { $0 != "_" }
        guard text.contains(":") else { return Double(text) }
        var digits = Substring(text)
        let sign: Double = digits.first == "-" ? -1 : 1
        if digits.first == "-" || digits.first == "+" { digits = digits.dropFirst() }
        var value = 0.0
        for field in digits.split(separator: ":", omittingEmptySubsequences: false) {
            guard let number = Double(field) else { return nil }
            value = value * 60 + number
        }
        return sign * value
    }
}

extension ConfigInteger: ScalarReadable {
    static func read(_ scalar: YAMLScalar) -> ConfigInteger? { construct(from: scalar) }
}
