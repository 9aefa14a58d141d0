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

    /// YAML 1.1 reads `1:30` as 90 (base 60). The loader before ours trapped once a base-60 number
    /// passed Int64 (twelve fields: sixty to the eleventh), in any integer field.
    @Test func aBaseSixtyNumberPastInt64IsNamed() {
        let huge = "1:1:1:1:1:1:1:1:1:1:1:1"
        #expect(problems(minimal.replacingOccurrences(of: "port: 5432", with: "port: \(huge)")) == [
            "virtual_services[0].port: expected an integer",
        ])
        #expect(problems(minimal + "\n    rise: \(huge)\n    default_weight: -\(huge)") == [
            "virtual_services[0].default_weight: expected an integer",
            "virtual_services[0].rise: expected an integer",
        ])
        #expect(problems(minimal + "\n    weights:\n      node2: \(huge)") == [
            "virtual_services[0].weights.node2: weight of node2 must be an integer, got \"\(huge)\"",
        ])
        #expect(problems(minimal + "\n    max_lag_bytes: \(huge)") == [
            "virtual_services[0].max_lag_bytes: not a size: \"\(huge)\" (write e.g. 16MB, 512kB, 1GB, or off)",
        ])
    }

    @Test func baseSixtyNumbersThatFitStillRead() throws {
        let service = try ConfigurationLoader.load(yaml: minimal + "\n    rise: 1:30\n    weights:\n      node2: 1_0:0").virtualServices[0]
        #expect(service.policy.rise == 90)
        #expect(service.policy.weights == ["node2": 600])
        // Eleven fields fit (sixty to the tenth); the loader before ours trapped on them too.
        #expect(problems(minimal + "\n    default_weight: 1:0:0:0:0:0:0:0:0:0:0") == [
            "virtual_services[0].default_weight: weight must be between 0 and 2147483647, got 604661760000000000",
        ])
        #expect(problems(minimal + "\n    fall: 0:30").first == "virtual_services[0].fall: expected an integer")
    }
}
