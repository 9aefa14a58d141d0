import Testing
import YAML

/// The work a document can cost is bounded, and grows linearly with its size.
@Suite struct LimitTests {
    @Test func aHundredThousandKeysParseQuickly() throws {
        let text = (0..<100_000).map { "key\($0): \($0)" }.joined(separator: "\n")
        let started = ContinuousClock.now
        let root = try #require(try YAMLParser.parse(text))
        let elapsed = ContinuousClock.now - started
        #expect(root.mapping?.count == 100_000)
        #expect(root["key99999"]?.scalar?.text == "99999")
        // Linear: a quadratic key check alone would take minutes.
        #expect(elapsed < .seconds(5), "took \(elapsed)")
    }

    @Test func aDuplicateAmongAHundredThousandKeysIsFound() {
        let text = (0..<100_000).map { "key\($0): \($0)" }.joined(separator: "\n") + "\nkey5: again"
        #expect(throws: YAMLError.self) { try YAMLParser.parse(text) }
    }

    @Test(arguments: ["[", "{a: "])
    func deepNestingIsRefusedAtTheLimit(opening: String) {
        let closing = opening == "[" ? "]" : "}"
        let limits = YAMLLimits(maximumDepth: 100)
        let fits = String(repeating: opening, count: 100) + "x" + String(repeating: closing, count: 100)
        #expect((try? YAMLParser.parse(fits, limits: limits)) != nil)
        let deep = String(repeating: opening, count: 100_000) + "x" + String(repeating: closing, count: 100_000)
        let started = ContinuousClock.now
        do {
            _ = try YAMLParser.parse(deep, limits: limits)
            Issue.record("nesting 100,000 deep was accepted")
        } catch {
            #expect(error.kind == .tooDeep)
            #expect(error.mark == YAMLMark(line: 1, column: opening == "[" ? 101 : 401))
        }
        #expect(ContinuousClock.now - started < .seconds(2))
    }

    /// libyaml's scanner spends time in proportion to the depth on each token: the scan for
    /// anchors after a first problem stops at the bound too.
    @Test func deepNestingAfterAProblemIsBoundedToo() {
        let text = "a: 1\na: 2\nb: " + String(repeating: "[", count: 100_000)
        let started = ContinuousClock.now
        #expect(throws: YAMLError.self) { try YAMLParser.parse(text) }
        #expect(ContinuousClock.now - started < .seconds(2))
    }

    @Test func tooManyNodesAreRefused() {
        let text = "[" + Array(repeating: "a", count: 1_001).joined(separator: ", ") + "]"
        do {
            _ = try YAMLParser.parse(text, limits: YAMLLimits(maximumNodes: 1_000))
            Issue.record("1,002 nodes were accepted under a bound of 1,000")
        } catch {
            #expect(error.kind == .tooLarge)
            #expect(error.problem == "more than 1000 nodes")
        }
    }
}
