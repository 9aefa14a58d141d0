import YAML

/// A byte count written as `16MB`, `16MiB`, `512kB`, a plain number of bytes, or `off`/false.
public struct ConfigByteLimit: Hashable, Sendable, Decodable {
    /// nil when the limit is off.
    public var bytes: Int64?

    public init(bytes: Int64?) {
        self.bytes = bytes
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let flag = try? container.decode(Bool.self) {
            guard !flag else { throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "write a size such as 16MB, or off")) }
            bytes = nil
            return
        }
        if let number = (try? container.decode(ConfigInteger.self))?.value {
            guard number >= 0 else { throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "a size must not be negative, got \(number)")) }
            bytes = number
            return
        }
        let text = try container.decode(String.self).trimmingWhitespace()
        if text == "off" {
            bytes = nil
            return
        }
        switch ConfigByteLimit.parse(text) {
        case .bytes(let parsed):
            bytes = parsed
        case .malformed:
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "not a size: \"\(text)\" (write e.g. 16MB, 512kB, 1GB, or off)"))
        case .outOfRange:
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "size out of range: \"\(text)\" (must be below 8 EiB)"))
        }
    }

    enum Parsed: Equatable {
        case bytes(Int64)
        case malformed
        /// A well-formed size too large for a byte count (or infinite).
        case outOfRange
    }

    /// PostgreSQL's units: kB, MB, GB, TB are powers of 1024, as in postgresql.conf.
    static func parse(_ text: String) -> Parsed {
        let units: [(String, Int64)] = [("TB", 1 << 40), ("GB", 1 << 30), ("MB", 1 << 20), ("kB", 1 << 10),
                                        ("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10), ("B", 1)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            // NaN fails `>= 0`; an infinity or a huge number is out of range below.
            guard let value = Double(String(text.dropLast(suffix.count)).trimmingWhitespace()),
                  value >= 0 else { return .malformed }
            return (value * Double(factor)).roundedToInt64.map(Parsed.bytes) ?? .outOfRange
        }
        guard !text.isEmpty, text.allSatisfy(\.isASCIIDigit) else { return .malformed }
        return Int64(text).map(Parsed.bytes) ?? .outOfRange
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

/// A duration that may be switched off (`off` or false).
public struct ConfigOptionalDuration: Hashable, Sendable, Decodable {
    public var duration: ConfigDuration?

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let flag = try? container.decode(Bool.self), !flag {
            duration = nil
        } else if let text = try? container.decode(String.self), text.trimmingWhitespace() == "off" {
            duration = nil
        } else {
            duration = try ConfigDuration(from: decoder)
        }
    }
}

extension YAMLLimits {
    /// A configuration nests five levels at most (virtual_services[0].weights.node); past a
    /// hundred it is no configuration, and a million nodes is more than a 1 MiB file can hold.
    static let configuration = YAMLLimits(maximumDepth: 100, maximumNodes: 1_000_000)
}
