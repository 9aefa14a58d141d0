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
        if let number = try? container.decode(Int64.self) {
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
        guard let parsed = ConfigByteLimit.parse(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "not a size: \"\(text)\" (write e.g. 16MB, 512kB, 1GB, or off)"))
        }
        bytes = parsed
    }

    /// PostgreSQL's units: kB, MB, GB, TB are powers of 1024, as in postgresql.conf.
    static func parse(_ text: String) -> Int64? {
        let units: [(String, Int64)] = [("TB", 1 << 40), ("GB", 1 << 30), ("MB", 1 << 20), ("kB", 1 << 10),
                                        ("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10), ("B", 1)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            guard let value = Double(String(text.dropLast(suffix.count)).trimmingWhitespace()), value >= 0 else { return nil }
            return Int64(value * Double(factor))
        }
        return Int64(text).flatMap { $0 >= 0 ? $0 : nil }
    }
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
