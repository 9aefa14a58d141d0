import TestSupport
import YAML

/// A YAML document as the fuzz tests mutate it: mappings keep duplicate and non-scalar keys,
/// and `raw` text is written out as it is (tags, anchors, aliases, broken syntax).
indirect enum YAMLTree: Sendable, CustomStringConvertible {
    enum Style { case plain, singleQuoted, doubleQuoted }

    case scalar(String, Style)
    case list([YAMLTree], flow: Bool)
    case map([(key: YAMLTree, value: YAMLTree)], flow: Bool)
    case raw(String)

    init(_ node: YAMLNode) {
        switch node.content {
        case .scalar(let scalar):
            let style: Style = switch scalar.style {
            case .singleQuoted: .singleQuoted
            case .doubleQuoted, .literal, .folded: .doubleQuoted
            case .plain: .plain
            }
            self = .scalar(scalar.text, style)
        case .sequence(let items, let style):
            self = .list(items.map(YAMLTree.init), flow: style == .flow)
        case .mapping(let pairs, let style):
            self = .map(pairs.map { (key: YAMLTree($0.key), value: YAMLTree($0.value)) }, flow: style == .flow)
        }
    }

    /// The document's text, block style where the tree says so.
    var description: String {
        var text = ""
        switch self {
        case .list(let items, false) where !items.isEmpty: YAMLTree.block(self, indent: 0, into: &text)
        case .map(let entries, false) where !entries.isEmpty: YAMLTree.block(self, indent: 0, into: &text)
        default: text = inline + "\n"
        }
        return text
    }

    private var isBlockContainer: Bool {
        switch self {
        case .list(let items, false): return !items.isEmpty
        case .map(let entries, false): return !entries.isEmpty
        default: return false
        }
    }

    private static func block(_ tree: YAMLTree, indent: Int, into text: inout String) {
        let margin = String(repeating: " ", count: indent)
        switch tree {
        case .list(let items, _):
            for item in items {
                if item.isBlockContainer {
                    text += margin + "-\n"
                    block(item, indent: indent + 2, into: &text)
                } else {
                    text += margin + "- " + item.inline + "\n"
                }
            }
        case .map(let entries, _):
            for (key, value) in entries {
                if value.isBlockContainer {
                    text += margin + key.inline + ":\n"
                    block(value, indent: indent + 2, into: &text)
                } else {
                    text += margin + key.inline + ": " + value.inline + "\n"
                }
            }
        case .scalar, .raw:
            text += margin + tree.inline + "\n"
        }
    }

    /// The one-line (flow) form.
    private var inline: String {
        switch self {
        case .raw(let text): return text
        case .scalar(let text, .plain): return text
        case .scalar(let text, .singleQuoted): return "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
        case .scalar(let text, .doubleQuoted):
            var quoted = "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": quoted += "\\\""
                case "\\": quoted += "\\\\"
                case _ where scalar.value < 0x20 || scalar.value == 0x7F || scalar.value == 0x85
                    || scalar.value == 0x2028 || scalar.value == 0x2029 || scalar.value == 0xFEFF:
                    let hex = String(scalar.value, radix: 16)
                    quoted += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                default: quoted.unicodeScalars.append(scalar)
                }
            }
            return quoted + "\""
        case .list(let items, _): return "[" + items.map(\.inline).joined(separator: ", ") + "]"
        case .map(let entries, _): return "{" + entries.map { $0.key.inline + ": " + $0.value.inline }.joined(separator: ", ") + "}"
        }
    }
}

/// Where a mutation acts: a path of child positions from the root.
extension YAMLTree {
    /// Every node's path, the root's (empty) first.
    var paths: [[Int]] {
        var found: [[Int]] = [[]]
        for (position, child) in children.enumerated() {
            found += child.paths.map { [position] + $0 }
        }
        return found
    }

    /// Values of a mapping (keys are reached by `renameKey`), items of a list.
    private var children: [YAMLTree] {
        switch self {
        case .list(let items, _): return items
        case .map(let entries, _): return entries.map(\.value)
        case .scalar, .raw: return []
        }
    }

    func node(at path: [Int]) -> YAMLTree {
        guard let first = path.first else { return self }
        return children[first].node(at: Array(path.dropFirst()))
    }

    func replacing(at path: [Int], with replacement: (YAMLTree) -> YAMLTree) -> YAMLTree {
        guard let first = path.first else { return replacement(self) }
        let rest = Array(path.dropFirst())
        switch self {
        case .list(var items, let flow):
            items[first] = items[first].replacing(at: rest, with: replacement)
            return .list(items, flow: flow)
        case .map(var entries, let flow):
            entries[first].value = entries[first].value.replacing(at: rest, with: replacement)
            return .map(entries, flow: flow)
        case .scalar, .raw:
            return self
        }
    }
}

/// Structure-aware mutations of a configuration's tree, then of its bytes.
enum YAMLMutator {
    static let hostileScalars: [String] = [
        "", "~", "null", "Null", "NULL", "true", "True", "yes", "no", "on", "off", "y", "n",
        "0", "-0", "+0", "0.0", "-0.0", "00", "08", "0777", "0o777", "0x7FFFFFFFFFFFFFFF", "0xFFFFFFFFFFFFFFFFFF", "0b1010",
        "-0x8000000000000000", "1_000", "1__0", "_", "1e308", "-1e308", "1e309", "1.5e-324", "4.9e-324", ".inf", "-.inf",
        "+.inf", ".nan", ".NaN", "nan", "inf", "-inf", "Infinity", "2147483647", "2147483648", "-2147483648", "-2147483649",
        "4294967295", "4294967296", "65535", "65536", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
        "-9223372036854775809", "18446744073709551616", "99999999999999999999999999999999999999",
        "1:30", "190:20:30", "-1:0", "1:60:60", "0:0:0:0:0:0:0:0:0:0:0", "1:1:1:1:1:1:1:1:1:1:1:1",
        "9223372036854775807:59", "153722867280912930:0", "1:0.5", "1.5:30",
        "1ms", "0ms", "86399999ms", "86400s", "24h", "-1s", "1e308s", "nanms", "infs", "1.5e-324s", "0x10s", "1 s", "s",
        "16MB", "0B", "8EiB", "8191PB", "9999999999TB", "1e400MB", "NaNMB", "-0MB", "infGB", "-1kB", "1.5kB", " 16MB ",
        "9223372036854775807B", "9223372036854775808B", "off ", "OFF", "false", "False",
        "2001-12-14t21:59:43.10-05:00", "2002-12-14", "<<", "=", "-", "?", ":", "---", "...", "#", "%YAML 1.2", "@", "`",
        "10.0.0.300", "::", "::1", "::ffff:10.0.0.1", "fe80::1%eth0", "0.0.0.0", "255.255.255.255", "1.2.3", "01.02.03.004",
        "1:2:3:4:5:6:7:8:9", "[::1]", "10.0.0.200/24", "localhost", "rr", "wrr", "mh", "dr", "nat", "tunnel", "tcp", "sctp",
        "streaming", "sync", "quiesce", "delete", "writer", "static", "both", "application_name", "client_addr", "keep",
        "remove", "/", "/var/lib/pglvsd", "relative/path", "/dev/null", "/\u{0}", "host=x password=secret",
        "a\u{0}b", "a\u{1B}[31mb", "a\u{7F}b", "a\u{85}b", "a\u{202E}b", "a\u{2066}b", "a\u{200B}b", "a\u{2028}b", "\u{FEFF}",
        "\t", "\n", "\r\n", " ", "  leading", "trailing  ", "e\u{301}", "👩‍👩‍👧", "東京", "\u{10FFFF}", "\u{FFFD}",
        String(repeating: "a", count: 10_000), String(repeating: "9", count: 5_000), String(repeating: "\u{202E}", count: 1_000),
        String(repeating: "x:", count: 2_000), String(repeating: "1:", count: 500) + "1",
    ]

    /// Written verbatim where a value belongs: tags, anchors, aliases, merges, broken syntax.
    static let rawValues: [String] = [
        "!!binary R0lGODlhDAAMAIQAAP//9/X17unp5WZmZgAAAOfn515eXvPz7Y6OjuDg4J+fn5",
        "!!binary", "!!str 5432", "!!int 5432", "!!int abc", "!!float 1s", "!!null", "!!null ''", "!!bool yes",
        "!!map {}", "!!seq []", "!!set {a, b}", "!!omap [a: 1]", "!!timestamp 2001-12-14", "!custom x", "!<tag:x> y",
        "!!str", "!", "&a 1", "*a", "&a [1, *a]", "<<: {}", "|\n  text", ">\n  text", "|-", "'unterminated", "\"unterminated",
        "[", "]", "{", "}", "[a, [b, {c: d}]]", "{a: 1, a: 2}", "? a", "- a", "a: b: c", ":", ": :", "- - -", "\"\\x00\"",
        "\"\\uD800\"", "\"\\U0010FFFF\"", "\"\\U00110000\"", "\"\\q\"", "'''", "%TAG ! tag:x,2000:", "--- |\n  x", "... x",
    ]

    static let keys: [String] = [
        "writer", "conninfo", "password_file", "timeout", "poll_interval", "virtual_services", "state_directory",
        "runtime_directory", "replica_conninfo", "on_stop", "metrics_file", "probe_timeout", "fast_poll_interval",
        "watch_idle_probes", "name", "address", "port", "protocol", "scheduler", "forwarding", "weights", "default_weight",
        "real_server_port", "real_server_address", "sync_states", "max_lag_bytes", "max_lag_seconds", "require_streaming",
        "rise", "fall", "removal", "discovery", "drain_timeout", "fallback_to_primary", "min_pool", "lag_weighting",
        "reattach_grace", "real_servers", "node1", "<<", "", "~", "Writer", "writer ", "colour",
    ]

    static func hostileValue(_ random: inout SeededGenerator) -> YAMLTree {
        switch random.below(10) {
        case 0: return .raw(random.pick(rawValues))
        case 1: return .scalar(random.pick(hostileScalars), .plain)
        case 2: return .scalar(random.pick(hostileScalars), .singleQuoted)
        case 3: return nested(random.int(in: 1...1_100), random: &random)
        case 4: return .list((0..<random.int(in: 0...4)).map { _ in .scalar(random.pick(hostileScalars), .doubleQuoted) },
                             flow: random.oneIn(2))
        case 5: return .map([(.scalar(random.pick(keys), .plain), .scalar(random.pick(hostileScalars), .doubleQuoted))],
                            flow: random.oneIn(2))
        default: return .scalar(random.pick(hostileScalars), .doubleQuoted)
        }
    }

    /// Lists or mappings `depth` deep, in flow style (block style that deep is megabytes).
    static func nested(_ depth: Int, random: inout SeededGenerator) -> YAMLTree {
        let mapping = random.oneIn(2)
        return .raw(String(repeating: mapping ? "{a: " : "[", count: depth) + "x"
                    + String(repeating: mapping ? "}" : "]", count: depth))
    }

    static func mutate(_ tree: YAMLTree, _ random: inout SeededGenerator) -> YAMLTree {
        let paths = tree.paths
        let path = random.pick(paths)
        switch random.below(12) {
        case 0, 1, 2:
            // A hostile value where any value stood.
            return tree.replacing(at: path) { _ in hostileValue(&random) }
        case 3:
            // Delete an entry or an item.
            return tree.replacing(at: path) { node in
                switch node {
                case .map(var entries, let flow) where !entries.isEmpty:
                    entries.remove(at: random.below(entries.count))
                    return .map(entries, flow: flow)
                case .list(var items, let flow) where !items.isEmpty:
                    items.remove(at: random.below(items.count))
                    return .list(items, flow: flow)
                default: return node
                }
            }
        case 4:
            // Duplicate an entry (a key twice) or an item.
            return tree.replacing(at: path) { node in
                switch node {
                case .map(var entries, let flow) where !entries.isEmpty:
                    entries.insert(entries[random.below(entries.count)], at: random.below(entries.count + 1))
                    return .map(entries, flow: flow)
                case .list(var items, let flow) where !items.isEmpty:
                    items.insert(items[random.below(items.count)], at: random.below(items.count + 1))
                    return .list(items, flow: flow)
                default: return node
                }
            }
        case 5:
            // Swap two values (the keys stay) or two items.
            return tree.replacing(at: path) { node in
                switch node {
                case .map(var entries, let flow) where entries.count > 1:
                    let (a, b) = (random.below(entries.count), random.below(entries.count))
                    (entries[a].value, entries[b].value) = (entries[b].value, entries[a].value)
                    return .map(entries, flow: flow)
                case .list(var items, let flow) where items.count > 1:
                    items.swapAt(random.below(items.count), random.below(items.count))
                    return .list(items, flow: flow)
                default: return node
                }
            }
        case 6:
            // Rename a key: another known key, a hostile one, or a key that is no name.
            return tree.replacing(at: path) { node in
                guard case .map(var entries, let flow) = node, !entries.isEmpty else { return node }
                let key: YAMLTree = switch random.below(4) {
                case 0: .scalar(random.pick(hostileScalars), .doubleQuoted)
                case 1: .raw(random.pick(["[a, b]", "{a: 1}", "!!binary AAAA", "? x", "1", "null", "~", "&k name", "*k"]))
                default: .scalar(random.pick(keys), .plain)
                }
                entries[random.below(entries.count)].key = key
                return .map(entries, flow: flow)
            }
        case 7:
            // Add a key, known or not.
            return tree.replacing(at: path) { node in
                guard case .map(var entries, let flow) = node else { return node }
                entries.insert((.scalar(random.pick(keys), .plain), hostileValue(&random)), at: random.below(entries.count + 1))
                return .map(entries, flow: flow)
            }
        case 8:
            // Flow style for block, block for flow.
            return tree.replacing(at: path) { node in
                switch node {
                case .map(let entries, let flow): return .map(entries, flow: !flow)
                case .list(let items, let flow): return .list(items, flow: !flow)
                default: return node
                }
            }
        case 9:
            // A tag or an anchor before a value, or an alias instead.
            return tree.replacing(at: path) { node in
                let prefix = random.pick(["!!binary ", "!!str ", "!!int ", "!!float ", "!!null ", "!!map ", "!!seq ",
                                          "!x ", "&a ", "&b "])
                switch node {
                case .scalar(let text, .plain): return .raw(prefix + text)
                case .scalar(let text, .doubleQuoted), .scalar(let text, .singleQuoted):
                    return .raw(prefix + YAMLTree.scalar(text, .doubleQuoted).description.dropLast())
                default: return random.oneIn(2) ? .raw("*a") : node
                }
            }
        case 10:
            // A container where a single value belonged, or the reverse.
            return tree.replacing(at: path) { node in
                switch node {
                case .scalar, .raw: return random.oneIn(2) ? .list([node], flow: random.oneIn(2)) : .map([(node, node)], flow: false)
                default: return .scalar(random.pick(hostileScalars), .plain)
                }
            }
        default:
            // Wrap a value in nesting.
            return tree.replacing(at: path) { node in
                var wrapped = node
                for _ in 0..<random.int(in: 1...40) {
                    wrapped = random.oneIn(2) ? .list([wrapped], flow: false) : .map([(.scalar("a", .plain), wrapped)], flow: false)
                }
                return wrapped
            }
        }
    }

    static let syntaxBytes = Array(":-[]{},&*!|>'\"%@`#?\t\n\r \\".utf8)

    /// Byte-level damage: bit flips, insertions, deletions, truncation, a repeated chunk.
    static func damage(_ bytes: [UInt8], _ random: inout SeededGenerator) -> [UInt8] {
        var bytes = bytes
        for _ in 0..<random.int(in: 1...6) {
            let position = bytes.isEmpty ? 0 : random.below(bytes.count)
            switch random.below(6) {
            case 0 where !bytes.isEmpty: bytes[position] ^= 1 << UInt8(random.below(8))
            case 1: bytes.insert(random.oneIn(2) ? random.pick(syntaxBytes) : UInt8(random.below(256)), at: position)
            case 2 where !bytes.isEmpty: bytes.remove(at: position)
            case 3: bytes = Array(bytes.prefix(position))
            case 4 where !bytes.isEmpty:
                let end = min(bytes.count, position + random.int(in: 1...64))
                bytes.insert(contentsOf: bytes[position..<end], at: random.below(bytes.count))
            default: if !bytes.isEmpty { bytes[position] = random.pick(syntaxBytes) }
            }
        }
        return bytes
    }
}
