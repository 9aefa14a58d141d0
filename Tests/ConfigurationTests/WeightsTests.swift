import Testing
@testable import Configuration

/// A weights map is read in one pass: through the Decoder protocol each key was a linear
/// search, and 20,000 servers took half a minute.
@Suite struct WeightsTests {
    private func configuration(weights count: Int) -> String {
        var yaml = minimal + "\n    weights:"
        for index in 0..<count { yaml += "\n      node\(index): \(index % 7)" }
        return yaml
    }

    /// The best of three loads, in seconds.
    private func secondsToLoad(weights count: Int) throws -> Double {
        let yaml = configuration(weights: count)
        var best = Double.infinity
        for _ in 0..<3 {
            let started = ContinuousClock.now
            let loaded = try ConfigurationLoader.load(yaml: yaml)
            let elapsed = ContinuousClock.now - started
            #expect(loaded.virtualServices[0].policy.weights.count == count)
            best = min(best, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
        return best
    }

    @Test func twentyThousandWeightsLoadInLinearTime() throws {
        let small = try secondsToLoad(weights: 2_000)
        let large = try secondsToLoad(weights: 20_000)
        // Ten times the keys: about ten times the time (a hundred when quadratic).
        #expect(large < max(small, 0.005) * 40, "2,000 weights: \(small) s, 20,000: \(large) s")
        #expect(large < 5)
    }

    @Test func weightsKeepTheirValuesAndBadOnesAreNamed() throws {
        let policy = try ConfigurationLoader.load(yaml: configuration(weights: 3)).virtualServices[0].policy
        #expect(policy.weights == ["node0": 0, "node1": 1, "node2": 2])
        #expect(problems(minimal + "\n    weights: {node2: many, node3: [1], node4: 2, node5: }") == [
            "virtual_services[0].weights.node2: weight of node2 must be an integer, got \"many\"",
            "virtual_services[0].weights.node3: weight of node3 must be an integer, got a list",
            "virtual_services[0].weights.node5: weight of node5 must be an integer, got nothing",
        ])
        #expect(problems(minimal + "\n    weights:") == ["virtual_services[0].weights: must not be empty"])
        #expect(problems(minimal + "\n    weights: {[a]: 1}") == [
            "malformed YAML: 6:15: error: composer: in the mapping in line 6, column 14\nfound a list as a key (a key must be a single value)",
        ])
    }
}
