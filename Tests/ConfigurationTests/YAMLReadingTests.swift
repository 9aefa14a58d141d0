import Testing
@testable import Configuration

/// How the configuration reads YAML's scalars and keys, as it always has.
@Suite struct YAMLReadingTests {
    @Test func aQuotedNumberIsAString() {
        #expect(problems(minimal.replacingOccurrences(of: "port: 5432", with: "port: \"5432\"")) == [
            "virtual_services[0].port: expected an integer",
        ])
        #expect(problems(minimal + "\n    require_streaming: 'no'") == ["virtual_services[0].require_streaming: expected true or false"])
    }

    @Test func plainNumbersBooleansAndNullReadAsYAMLSays() throws {
        let service = try ConfigurationLoader.load(yaml: minimal + "\n    rise: 0x10\n    fall: 010\n    require_streaming: NO\n"
                                                   + "    fallback_to_primary: On\n    max_lag_bytes: off").virtualServices[0]
        #expect(service.policy.rise == 16 && service.policy.fall == 8)
        #expect(service.policy.acceptedStates == ["streaming", "catchup"])
        #expect(service.policy.fallbackToPrimary && service.policy.maxLagBytes == nil)
        #expect(problems(minimal + "\n    scheduler: ~") == ["virtual_services[0].scheduler: must not be empty"])
    }

    /// `<<` lends a mapping written in place its keys; the mapping's own keys win.
    @Test func mergeKeysLendTheirKeys() throws {
        let service = try ConfigurationLoader.load(yaml: minimal + "\n    <<: {scheduler: wrr, rise: 3}\n    rise: 5").virtualServices[0]
        #expect(service.service.scheduler == "wrr")
        #expect(service.policy.rise == 5)
        let listed = try ConfigurationLoader.load(yaml: minimal + "\n    <<: [{scheduler: wrr}, {scheduler: lc, fall: 4}]").virtualServices[0]
        #expect(listed.service.scheduler == "wrr" && listed.policy.fall == 4)
        #expect(problems(minimal + "\n    '<<': {scheduler: wrr}").first?.hasPrefix("virtual_services[0].<<: unknown key") == true)
    }

    /// Weights merged in are weights: a server meant to stay at 0 must not get the default.
    @Test func mergedWeightsAreRead() throws {
        let service = try ConfigurationLoader.load(yaml: minimal + "\n    <<: {weights: {node2: 0, node3: 4}}").virtualServices[0]
        #expect(service.policy.weights == ["node2": 0, "node3": 4])
        #expect(problems(minimal + "\n    <<: {weights: [node2]}") == ["virtual_services[0].weights: expected a mapping, found a list"])
    }

    /// Every problem names what was found at its path: with thousands of problems in a wide
    /// document that stays linear (a search per path step made this take minutes).
    @Test func thousandsOfProblemsInAWideDocumentAreReportedAtOnce() {
        var yaml = "writer:\n  conninfo: \"host=10.0.0.100\"\n"
        for index in 0..<30_000 { yaml += "unknown\(index): 1\n" }
        yaml += "virtual_services:\n"
        for _ in 0..<3_000 { yaml += "  - {address: 10.0.0.200, port: [1]}\n" }
        let started = ContinuousClock.now
        let found = problems(yaml)
        #expect(found.count >= 33_000)
        #expect(found.contains("virtual_services[2999].port: expected an integer, found a list"))
        #expect(ContinuousClock.now - started < .seconds(20), "quadratic: \(ContinuousClock.now - started)")
    }

    /// A duplicate key is named with its place alone: the file, that line too, may hold a password.
    @Test func aDuplicateKeyIsNamedWithoutQuotingTheFile() {
        let found = problems(minimal + "\n    port: 5433\nwriter: {conninfo: \"password=secret\"}")
        #expect(found == ["malformed YAML: 6:5: error: composer: in the mapping in line 4, column 5\n"
                          + "found duplicate key 'port'"])
        let twice = problems("writer:\n  conninfo: \"password=secret\"\n  conninfo: \"password=secret\"\n")
        #expect(twice.count == 1 && !twice[0].contains("secret"), "\(twice)")
    }

    @Test func deepNestingIsMalformedYAML() {
        let deep = String(repeating: "[", count: 5_000) + String(repeating: "]", count: 5_000)
        let found = problems(minimal + "\n    weights: " + deep)
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("malformed YAML: 6:111: error: composer: nested more than 100 levels deep") == true)
    }
}
