/// Seconds with a fixed number of decimals for messages (`2.35`), without Foundation's
/// formatters (their locale data weighs more than the daemon).
enum Decimal {
    static func fixed(_ value: Double, places: Int) -> String {
        guard value.isFinite, abs(value) < 1e15 else { return "\(value)" }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = Int64((abs(value) * scale).rounded())
        let unit = Int64(scale)
        let fraction = String(scaled % unit)
        let digits = places == 0 ? "" : "." + String(repeating: "0", count: places - fraction.count) + fraction
        return (value < 0 && scaled != 0 ? "-" : "") + String(scaled / unit) + digits
    }
}
