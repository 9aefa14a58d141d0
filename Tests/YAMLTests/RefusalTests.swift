import Testing
import YAML

/// What the parser refuses, each with a YAMLError at its place, never a crash.
@Suite struct RefusalTests {
    func failure(_ text: String, limits: YAMLLimits = YAMLLimits()) -> YAMLError? {
        do {
            _ = try YAMLParser.parse(text, limits: limits)
            return nil
        } catch {
            return error
        }
    }

    @Test func anchorsAndAliasesAreRefusedAtTheirMark() {
        #expect(failure("a: &x 1")?.kind == .anchor)
        #expect(failure("a: &x 1")?.mark == YAMLMark(line: 1, column: 4))
        #expect(failure("a: 1\nb: *x")?.kind == .alias)
        #expect(failure("a: 1\nb: *x")?.mark == YAMLMark(line: 2, column: 4))
        #expect(failure("a: &m {b: 1}")?.kind == .anchor)
        #expect(failure("- &l [1]")?.kind == .anchor)
    }

    /// An alias anywhere before a syntax error is named first, as the loader always did.
    @Test func anAliasAfterADuplicateKeyIsNamedFirst() {
        #expect(failure("a: 1\na: 2\nb: *x")?.kind == .alias)
        #expect(failure("a: 1\na: 2\nb: [")?.kind == .duplicateKey)
        #expect(failure("a: ]\nb: *x")?.kind == .parser)
    }

    @Test func anAliasBombCostsNothing() {
        var lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        for level in 1...9 {
            lines.append("a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ") + "]")
        }
        let started = ContinuousClock.now
        #expect(failure(lines.joined(separator: "\n"))?.kind == .anchor)
        #expect(ContinuousClock.now - started < .milliseconds(100))
    }

    @Test func duplicateKeysAreNamedAtTheSecond() {
        let error = failure("a: 1\nb: 2\na: 3")
        #expect(error?.kind == .duplicateKey)
        #expect(error?.mark == YAMLMark(line: 3, column: 1))
        #expect(error?.problem == "found duplicate key 'a'")
        #expect(error?.description == "3:1: error: composer: in the mapping in line 1, column 1\nfound duplicate key 'a'")
        // The same text with another tag is another key, as YAML compares them.
        #expect(failure("1: a\n\"1\": b") == nil)
        #expect(failure("a: 1\n\"a\": 2")?.kind == .duplicateKey)
        #expect(failure("? [x]\n: 1\n? [x]\n: 2", limits: YAMLLimits(allowsCollectionKeys: true))?.kind == .duplicateKey)
        #expect(failure("outer: {a: 1}\ninner: {a: 2}") == nil)
    }

    /// A list or mapping as a key costs its size at every level it nests in: refused by default.
    @Test func collectionKeysAreRefusedUnlessAllowed() {
        let error = failure("a: 1\n? [x, y]\n: 2")
        #expect(error?.kind == .collectionKey)
        #expect(error?.mark == YAMLMark(line: 2, column: 3))
        #expect(error?.problem == "found a list as a key (a key must be a single value)")
        #expect(failure("{? {a: 1} : 2}")?.kind == .collectionKey)
        #expect(failure("? [x]\n: 1", limits: YAMLLimits(allowsCollectionKeys: true)) == nil)
    }

    @Test func aSecondDocumentIsRefused() {
        let error = failure("a: 1\n---\nb: 2")
        #expect(error?.kind == .multipleDocuments)
        #expect(error?.mark == YAMLMark(line: 2, column: 1))
    }

    @Test func syntaxErrorsSayWhereButNeverQuoteTheText() {
        let error = failure("writer: [\n")
        #expect(error?.kind == .parser)
        #expect(error?.description.hasPrefix("2:1: error: parser: while parsing a flow node in line 2, column 1\n") == true)
        #expect(error?.description.contains("writer") == false)
        #expect(error?.line == "writer: [")
    }

    /// The lines a mistake is on are often a conninfo's: none of it is in the message.
    @Test(arguments: ["conninfo: \"host=a password=S3cret\\q\"", "conninfo: \"host=a password=S3cret\" x\"",
                      "conninfo: host=a password=S3cret: x\n  y", "a: 1\na: password=S3cret",
                      "{conninfo: password=S3cret, [: 1}", "conninfo: 'password=S3cret\u{1}'"])
    func aMistakeOnASecretsLineNeverQuotesIt(text: String) {
        let error = failure(text)
        #expect(error != nil)
        #expect(error.map { !"\($0)".contains("S3cret") } == true, "\(String(describing: error))")
    }

    @Test func anUnterminatedQuoteIsAScannerError() {
        let error = failure("a: \"open\nb: 1")
        #expect(error?.kind == .scanner)
        #expect(error?.context?.text == "while scanning a quoted scalar")
        #expect(error?.context?.mark == YAMLMark(line: 1, column: 4))
    }

    @Test func aTabForIndentationIsAScannerError() {
        let error = failure("a:\n\tb: 1")
        #expect(error?.kind == .scanner)
        #expect(error?.mark == YAMLMark(line: 2, column: 1))
        #expect(error?.problem == "found character that cannot start any token")
    }

    @Test func invalidUTF8IsAReaderErrorAtItsByte() throws {
        do {
            _ = try YAMLParser.parse(bytes: Array("a: 1\nb: x".utf8) + [0xFF, 0xFE] + Array("\n".utf8))
            Issue.record("invalid UTF-8 was accepted")
        } catch {
            #expect(error.kind == .reader)
            #expect(error.mark == YAMLMark(line: 2, column: 5))
            #expect(error.description == "2:5: error: reader: invalid leading UTF-8 octet")
        }
    }

    @Test func aControlCharacterIsAReaderError() {
        #expect(failure("a: b\u{1B}c")?.kind == .reader)
        #expect(failure("a: \u{0}")?.mark == YAMLMark(line: 1, column: 4))
    }

    /// Whatever the bytes, the parser returns a tree or an error.
    @Test func everyTruncationOfADocumentParsesOrFails() {
        let text = Array("a: {b: [1, 'two', \"th\\u00e9ree\"]}\n? [k]\n: |\n  block\n- x\n東京: ~\n".utf8)
        for end in 0...text.count {
            for damage: UInt8 in [0x00, 0x09, 0x80, 0xC3] {
                _ = try? YAMLParser.parse(bytes: Array(text.prefix(end)) + [damage] + text.dropFirst(end))
            }
        }
    }
}
