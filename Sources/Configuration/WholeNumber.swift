import YAML

extension Double {
    /// The nearest whole number, or nil for NaN, an infinity or anything beyond Int64, where
    /// `Int64(_:)` traps: whatever a configuration says must never crash check-config or a reload.
    var roundedToInt64: Int64? { Int64(exactly: rounded()) }
}

/// An integer in a configuration, as YAML 1.1 writes one (decimal, 0x, 0o, 0b, a leading 0
/// for octal, and base 60 such as `1:30`) but never trapping: the loader before ours
/// multiplied base-60 fields without overflow checks, so `port: 1:1:1:1:1:1:1:1:1:1:1:1`
/// (sixty to the eleventh is past Int64) crashed check-config and a reload. Configuration
/// fields decode this, never Int64.
struct ConfigInteger: Decodable {
    var value: Int64

    init(value: Int64) {
        self.value = value
    }

    /// Plain scalars only: `port: "5432"` is a string.
    static func construct(from scalar: YAMLScalar) -> ConfigInteger? {
        guard scalar.style == .plain else { return nil }
        let text = scalar.text.filter { $0 != "_" }
        return (text.contains(":") ? baseSixty(text) : radixNumber(text)).map(ConfigInteger.init)
    }

    /// `0`, `-17`, `+0x1F`, `0b101`, `0o17`, `017` (octal); nil past Int64.
    static func radixNumber(_ text: String) -> Int64? {
        if text == "0" { return 0 }
        let negative = text.hasPrefix("-")
        let digits = text.dropFirst(negative || text.hasPrefix("+") ? 1 : 0)
        for (prefix, radix) in [("0x", 16), ("0b", 2), ("0o", 8), ("0", 8)] where digits.hasPrefix(prefix) {
            return Int64((negative ? "-" : "") + digits.dropFirst(prefix.count), radix: radix)
        }
        return Int64(text)
    }

    /// `[-+]a:b:c`, each field a decimal, the last one units; nil past Int64.
    static func baseSixty(_ text: String) -> Int64? {
        var digits = Substring(text)
        let negative = digits.first == "-"
        if negative || digits.first == "+" { digits = digits.dropFirst() }
        // A leading 0 is a radix prefix (0x, 0o, 0b, octal), which base 60 never passes.
        guard !digits.hasPrefix("0") else { return nil }
        var value: Int64 = 0
        for field in digits.split(separator: ":", omittingEmptySubsequences: false) {
            guard let digit = Int64(field, radix: 10) else { return nil }
            let (shifted, overflow) = value.multipliedReportingOverflow(by: 60)
            let (sum, carry) = shifted.addingReportingOverflow(digit)
            guard !overflow, !carry else { return nil }
            value = sum
        }
        guard negative else { return value }
        let (negated, overflow) = Int64(0).subtractingReportingOverflow(value)
        return overflow ? nil : negated
    }

    /// Only decoders other than DocumentDecoder come here (it reads a ScalarReadable itself).
    init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let parsed = ConfigInteger.construct(from: YAMLScalar(text)) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "expected an integer"))
        }
        self = parsed
    }
}
