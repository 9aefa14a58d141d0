/// A duration written as `1s`, `500ms`, `2m` or a plain number of seconds.
public struct ConfigDuration: Hashable, Sendable, Decodable, CustomStringConvertible {
    public var milliseconds: Int

    public init(milliseconds: Int) {
        self.milliseconds = milliseconds
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let seconds = try? container.decode(Double.self) {
            // NaN fails both comparisons, an infinity the second.
            guard seconds >= 0, seconds < 86_400, let parsed = (seconds * 1000).roundedToInt64 else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                    debugDescription: "duration must be between 0 and 24h"))
            }
            milliseconds = Int(parsed)
            return
        }
        let text = try container.decode(String.self)
        guard let parsed = ConfigDuration.parse(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "not a duration: \"\(text)\" (write e.g. 500ms, 1s, 2m)"))
        }
        milliseconds = parsed
    }

    static func parse(_ text: String) -> Int? {
        let trimmed = text.trimmingWhitespace()
        let units: [(suffix: String, factor: Double)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)]
        for unit in units where trimmed.hasSuffix(unit.suffix) {
            let number = trimmed.dropLast(unit.suffix.count)
            guard let value = Double(number), value >= 0 else { return nil }
            guard let result = (value * unit.factor).roundedToInt64, result < 86_400_000 else { return nil }
            return Int(result)
        }
        return nil
    }

    public var description: String {
        milliseconds % 1000 == 0 ? "\(milliseconds / 1000)s" : "\(milliseconds)ms"
    }
}

extension String {
    func trimmingWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
