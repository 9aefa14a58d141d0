import Testing
import YAML

/// Every kind of node, with its place, style and tag.
@Suite struct NodeTests {
    @Test func marksCountFromOne() throws {
        let root = try #require(try YAMLParser.parse("a: 1\nlist:\n  - x\n  - {k: v}\n"))
        #expect(root.mark == YAMLMark(line: 1, column: 1))
        let pairs = try #require(root.mapping)
        #expect(pairs.map(\.key.scalar?.text) == ["a", "list"])
        #expect(pairs[0].value.mark == YAMLMark(line: 1, column: 4))
        let items = try #require(pairs[1].value.sequence)
        #expect(pairs[1].value.mark == YAMLMark(line: 3, column: 3))
        #expect(items[0].mark == YAMLMark(line: 3, column: 5))
        #expect(items[1].mark == YAMLMark(line: 4, column: 5))
        #expect(items[1].mapping?.first?.value.mark == YAMLMark(line: 4, column: 9))
        #expect(YAMLMark(line: 3, column: 7).description == "3:7")
    }

    @Test func columnsCountCharactersNotBytes() throws {
        let root = try #require(try YAMLParser.parse("東京: x"))
        #expect(root.mapping?.first?.value.mark == YAMLMark(line: 1, column: 5))
    }

    @Test func scalarsKeepTheirStyleAndTag() throws {
        let root = try #require(try YAMLParser.parse("""
            - plain
            - 'single'
            - "double\\tescaped"
            - |
              literal
            - >
              folded
              line
            - !!int 7
            - !custom x
            -
            """))
        let scalars = try #require(root.sequence).compactMap(\.scalar)
        #expect(scalars.map(\.style) == [.plain, .singleQuoted, .doubleQuoted, .literal, .folded, .plain, .plain, .plain])
        #expect(scalars.map(\.text) == ["plain", "single", "double\tescaped", "literal\n", "folded line\n", "7", "x", ""])
        #expect(scalars[5].tag == YAMLTag.integer)
        #expect(scalars[6].tag == "!custom" && scalars[6].resolvedTag == "!custom")
        #expect(scalars[0].tag == nil && scalars[1].tag == nil)
        #expect(try #require(root.sequence).last?.scalar?.isNull == true)
    }

    @Test func quotedAndPlainResolveDifferently() throws {
        let root = try #require(try YAMLParser.parse("a: 5432\nb: \"5432\"\nc: ~\nd: '~'\ne: yes\nf: 'yes'\ng: 1.5\nh: 2001-12-14\ni: <<\nj: x"))
        let values = try #require(root.mapping).map { try #require($0.value.scalar) }
        #expect(values.map(\.resolvedTag) == [YAMLTag.integer, YAMLTag.string, YAMLTag.null, YAMLTag.string, YAMLTag.boolean,
                                              YAMLTag.string, YAMLTag.float, YAMLTag.timestamp, YAMLTag.merge, YAMLTag.string])
        #expect(values[2].isNull && !values[3].isNull)
        #expect(values[1].isTaggedString && !values[0].isTaggedString)
    }

    @Test(arguments: [("0b1010", YAMLTag.integer), ("0o17", YAMLTag.integer), ("017", YAMLTag.integer), ("-1_000", YAMLTag.integer),
                      ("0x1F", YAMLTag.integer), ("1:30", YAMLTag.integer), ("08", YAMLTag.float), ("1e3", YAMLTag.float),
                      (".5", YAMLTag.float), ("-.inf", YAMLTag.float), (".NaN", YAMLTag.float), ("1:30.5", YAMLTag.float),
                      ("0:30", YAMLTag.string), ("-.5", YAMLTag.string), ("1:60", YAMLTag.string), ("Yes", YAMLTag.boolean),
                      ("yEs", YAMLTag.string), ("NULL", YAMLTag.null), ("", YAMLTag.null), ("=", YAMLTag.value),
                      ("2001-12-14t21:59:43.10-05:00", YAMLTag.timestamp), ("2001-12-14 21:59:43.10 Z", YAMLTag.timestamp),
                      ("2001-1-14", YAMLTag.string), ("10.0.0.1", YAMLTag.string), ("5s", YAMLTag.string)])
    func plainScalarsResolveAsYAML11Says(text: String, tag: String) {
        #expect(YAMLTag.resolve(plain: text) == tag)
    }

    @Test func collectionsKeepTheirStyleAndOrder() throws {
        let root = try #require(try YAMLParser.parse("block:\n  z: 1\n  a: 2\nflow: [1, 2]\n"))
        guard case .mapping(let pairs, .block) = root.content else { Issue.record("not a block mapping"); return }
        guard case .mapping(let inner, .block) = pairs[0].value.content else { Issue.record("not a block mapping"); return }
        #expect(inner.map(\.key.scalar?.text) == ["z", "a"])
        guard case .sequence(let items, .flow) = pairs[1].value.content else { Issue.record("not a flow list"); return }
        #expect(items.count == 2)
        #expect(root["flow"]?.sequence?.count == 2)
        #expect(root["\"flow\""] == nil && root["missing"] == nil)
    }

    @Test func keysThatAreNoScalarsStayWhereAllowed() throws {
        let root = try #require(try YAMLParser.parse("? [a, b]\n: 1\n? {c: d}\n: 2\n", limits: YAMLLimits(allowsCollectionKeys: true)))
        let pairs = try #require(root.mapping)
        #expect(pairs[0].key.sequence?.count == 2)
        #expect(pairs[1].key.mapping?.count == 1)
    }

    @Test func anEmptyTextHoldsNoDocument() throws {
        #expect(try YAMLParser.parse("") == nil)
        #expect(try YAMLParser.parse("# only a comment\n") == nil)
        #expect(try YAMLParser.parse("---\n")?.scalar?.isNull == true)
    }

    @Test func mergeKeysAreKeptAsWritten() throws {
        // The tree says what the text says; the configuration applies the merge where it reads fields.
        let root = try #require(try YAMLParser.parse("a: {<<: {x: 1}, y: 2}"))
        let inner = try #require(root["a"]?.mapping)
        #expect(inner.map(\.key.scalar?.resolvedTag) == [YAMLTag.merge, YAMLTag.string])
        #expect(inner[0].value["x"]?.scalar?.text == "1")
    }
}
