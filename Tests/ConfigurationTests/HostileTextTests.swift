import Testing
@testable import Configuration

/// Text an editor or an attacker may leave in a configuration: a byte order mark, a list
/// where a mapping belongs, invisible or reordering characters in names.
@Suite struct HostileTextTests {
    @Test func aByteOrderMarkIsAccepted() throws {
        let loaded = try ConfigurationLoader.load(yaml: "\u{FEFF}" + minimal)
        #expect(loaded.virtualServices.count == 1)
    }

    @Test func theWrongKindOfNodeSaysWhatWasFound() {
        #expect(problems("writer: [a, b]\nvirtual_services:\n  - address: 10.0.0.200\n    port: 5432") == [
            "writer: expected a mapping, found a list",
        ])
        #expect(problems("writer: {conninfo: \"host=x\"}\nvirtual_services: {address: 10.0.0.200}") == [
            "virtual_services: expected a list, found a mapping",
        ])
        #expect(problems(minimal + "\n    weights: [node1, node2]") == [
            "virtual_services[0].weights: expected a mapping, found a list",
        ])
        #expect(problems(minimal + "\n    real_servers: {node1: 1}") == [
            "virtual_services[0].real_servers: expected a list, found a mapping",
        ])
        #expect(problems(minimal + "\n    scheduler: [rr]") == ["virtual_services[0].scheduler: expected a string, found a list"])
        #expect(problems(minimal + "\n    rise: many") == ["virtual_services[0].rise: expected an integer"])
        #expect(problems("writer: {conninfo: \"host=x\"}\nvirtual_services: []") == [
            "virtual_services: at least one virtual service is required",
        ])
    }

    @Test(arguments: ["a\u{202E}b", "a\u{0}b", "a\u{1B}[31mb", "a\u{200B}b", "a\u{2028}b", "a\u{2066}b"])
    func hiddenCharactersInNamesAreRefused(name: String) {
        let codePoint = name.unicodeScalars.first(where: \.isHiddenInText)!.codePoint
        // YAML's own escape, \u202E, in a double-quoted scalar.
        let escaped = name.unicodeScalars.map { scalar in
            scalar.isHiddenInText ? "\\u" + scalar.codePoint.dropFirst(2) : String(scalar)
        }.joined()
        let found = problems(minimal + """

                name: "\(escaped)"
                weights: {"\(escaped)": 1, node2: 1}
                real_servers: [node2, "\(escaped)"]
            """)
        let reason = "must not contain control or formatting characters (found \(codePoint))"
        #expect(found == [
            "virtual_services[0].name: \(reason)",
            "virtual_services[0].weights: a server name \(reason)",
            "virtual_services[0].real_servers[1]: \(reason)",
        ])
    }

    @Test func problemsShowHiddenCharactersAsCodePoints() {
        #expect(problems(minimal + "\n    scheduler: \"r\\u202Er\"") .first?
            .hasPrefix("virtual_services[0].scheduler: unknown scheduler \"r<U+202E>r\"") == true)
    }

    @Test func ordinaryNamesStayAccepted() throws {
        let loaded = try ConfigurationLoader.load(yaml: minimal + "\n    name: réplicas-東京\n    weights: {node-2.example.com: 1}")
        #expect(loaded.virtualServices[0].name == "réplicas-東京")
    }
}
