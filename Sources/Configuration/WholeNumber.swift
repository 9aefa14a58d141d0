import Yams

extension Double {
    /// The nearest whole number, or nil for NaN, an infinity or anything beyond Int64, where
    /// `Int64(_:)` traps: whatever a configuration says must never crash check-config or a reload.
    var roundedToInt64: Int64? { Int64(exactly: rounded()) }
}

/// An integer in a configuration, read as Yams reads an Int64 (decimal, 0x, 0o, 0b, and YAML
/// 1.1's base 60 such as `1:30`) but never trapping: Yams multiplies base-60 fields without
/// overflow checks, so `port: 1:1:1:1:1:1:1:1:1:1:1:1` (sixty to the eleventh is past Int64)
/// crashed check-config and a reload. Configuration fields decode this, never Int64.
struct ConfigInteger: Decodable, ScalarConstructible {
    var value: Int64

    init(value: Int64) {
        self.value = value
    }

    static func construct(from scalar: Node.Scalar) -> ConfigInteger? {
        guard scalar.string.contains(":") else { return Int64.construct(from: scalar).map(ConfigInteger.init) }
        guard scalar.style == .any || scalar.style == .plain else { return nil }
        return baseSixty(scalar.string.replacingOccurrences(of: "_", with: "")).map(ConfigInteger.init)
    }

    /// `[-+]a:b:c`, each field a decimal, the last one units; nil past Int64.
    static func baseSixty(_ text: String) -> Int64? {
        var digits = Substring(text)
        let negative = digits.first == "-"
        if negative || digits.first == "+" { digits = digits.dropFirst() }
        // Yams takes a leading 0 for a radix prefix (0x, 0o, 0b, octal), which base 60 never passes.
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

    /// Only decoders other than Yams' come here (Yams constructs a ScalarConstructible itself).
    init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let parsed = ConfigInteger.construct(from: Node.Scalar(text)) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "expected an integer"))
        }
        self = parsed
    }
}
