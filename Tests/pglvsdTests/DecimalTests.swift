import Testing
@testable import pglvsd

@Suite struct DecimalTests {
    @Test(arguments: [(2.345, 2, "2.35"), (0.04, 1, "0.0"), (0.05, 1, "0.1"), (12, 2, "12.00"), (-1.25, 1, "-1.3"),
                      (-0.01, 1, "0.0"), (3.7, 0, "4"), (0.001, 2, "0.00"), (1234.5678, 3, "1234.568")])
    func fixedDecimals(value: Double, places: Int, text: String) {
        #expect(Decimal.fixed(value, places: places) == text)
    }

    @Test func notANumberSaysSo() {
        #expect(Decimal.fixed(.nan, places: 1) == "nan")
        #expect(Decimal.fixed(.infinity, places: 1) == "inf")
    }
}
