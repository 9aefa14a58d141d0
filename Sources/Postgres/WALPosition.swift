/// A position in the WAL (pg_lsn), read from the text PostgreSQL prints: two hexadecimal
/// halves, `16/B374D848`.
public struct WALPosition: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var value: UInt64

    public init(_ value: UInt64) {
        self.value = value
    }

    /// Nil for anything but `HIGH/LOW` with 1 to 8 hexadecimal digits each: whatever answers
    /// at a probed address shapes the text.
    public init?(_ text: String) {
        let halves = text.split(separator: "/", omittingEmptySubsequences: false)
        guard halves.count == 2, halves.allSatisfy({ (1...8).contains($0.count) && $0.allSatisfy(\.isHexDigit) }),
              let high = UInt64(halves[0], radix: 16), let low = UInt64(halves[1], radix: 16) else { return nil }
        value = high << 32 | low
    }

    /// Bytes from `earlier` to this position; negative when `earlier` is ahead.
    public func bytes(since earlier: WALPosition) -> Int64 {
        value >= earlier.value ? Int64(clamping: value - earlier.value) : -Int64(clamping: earlier.value - value)
    }

    public var description: String {
        String(value >> 32, radix: 16, uppercase: true) + "/" + String(value & 0xFFFF_FFFF, radix: 16, uppercase: true)
    }

    public static func < (lhs: WALPosition, rhs: WALPosition) -> Bool { lhs.value < rhs.value }
}
