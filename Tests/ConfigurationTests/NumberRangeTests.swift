import Testing
@testable import Configuration

/// Numbers past what an integer holds (infinities, NaN, 1e30) are configuration errors with
/// their key path, never a trap in check-config or a reload.
@Suite struct NumberRangeTests {
    @Test(arguments: ["1e30TB", "infMB", "99999999999999999999B", "99999999999999999999", "9000000TB"])
    func aSizeTooLargeIsNamed(text: String) {
        #expect(problems(minimal + "\n    max_lag_bytes: \(text)") == [
            "virtual_services[0].max_lag_bytes: size out of range: \"\(text)\" (must be below 8 EiB)",
        ])
    }

    @Test(arguments: ["nanMB", "-infMB", "-1MB"])
    func aSizeThatIsNoNumberIsNamed(text: String) {
        #expect(problems(minimal + "\n    max_lag_bytes: \(text)").first?
            .hasPrefix("virtual_services[0].max_lag_bytes: not a size: \"\(text)\"") == true)
    }

    @Test func theLargestSizeStillFits() throws {
        let service = try ConfigurationLoader.load(yaml: minimal + "\n    max_lag_bytes: 1000000TB").virtualServices[0]
        #expect(service.policy.maxLagBytes == 1_000_000 << 40)
    }

    @Test(arguments: ["1e30s", "infms", "nanms", "-infs", "1e300h", ".nan", ".inf", "1e30"])
    func aDurationBeyondADayOrNoNumberIsNamed(text: String) {
        let found = problems(minimal + "\n    drain_timeout: \(text)")
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("virtual_services[0].drain_timeout: ") == true)
    }
}
