extension Double {
    /// The nearest whole number, or nil for NaN, an infinity or anything beyond Int64, where
    /// `Int64(_:)` traps: whatever a configuration says must never crash check-config or a reload.
    var roundedToInt64: Int64? { Int64(exactly: rounded()) }
}
