import Foundation
import Testing
@testable import Configuration

/// Anchors and aliases are refused before any tree is built: nested aliases expand
/// exponentially when the tree is built and decoded.
@Suite struct AnchorTests {
    /// Seven levels of nine: 9^7 strings once expanded (13 s in the old loader, and each
    /// further level nine times that), from under 600 bytes.
    static let aliasBomb: String = {
        var lines = ["writer: {conninfo: \"host=x\"}", "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        for level in 1...6 {
            let previous = "*a\(level - 1)"
            lines.append("a\(level): &a\(level) [" + Array(repeating: previous, count: 9).joined(separator: ", ") + "]")
        }
        lines.append("virtual_services: [{address: 10.0.0.200, port: 5432, real_servers: *a6}]")
        return lines.joined(separator: "\n")
    }()

    @Test func anAliasBombIsRefusedAtOnce() {
        #expect(AnchorTests.aliasBomb.utf8.count < 600)
        let started = ContinuousClock.now
        let found = problems(AnchorTests.aliasBomb)
        #expect(ContinuousClock.now - started < .milliseconds(500))
        #expect(found == ["line 2, column 5: an anchor (& or *): YAML anchors and aliases are not accepted; write each value out"])
    }

    @Test func anAliasAloneIsNamedWithItsPlace() {
        #expect(problems(minimal + "\n    name: *undefined") == [
            "line 6, column 11: an alias (& or *): YAML anchors and aliases are not accepted; write each value out",
        ])
    }

    @Test func ampersandsAndAsterisksInsideValuesAreNoAnchors() throws {
        let yaml = minimal.replacingOccurrences(of: "user=pglvsd", with: "user=pglvsd application_name=a&b*c")
            + "\n    scheduler: rr # & and * in a comment"
        let loaded = try ConfigurationLoader.load(yaml: yaml)
        #expect(loaded.writer.conninfo.hasSuffix("a&b*c"))
    }
}
