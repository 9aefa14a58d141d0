import Foundation
import Testing
import TestSupport
import YAML
@testable import Configuration

/// Whatever a configuration file holds, the loader returns a configuration within its bounds
/// or throws ConfigurationError naming each problem: check-config and a reload must never trap.
@Suite struct ConfigurationFuzzTests {
    /// Valid documents the mutations start from: the shipped example and the fixtures.
    static let seedTexts: [String] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../etc/pglvsd/pglvsd.yaml")
        let shipped = (try? String(contentsOf: url, encoding: .utf8)) ?? minimal
        let everyKey = """
            writer:
              conninfo: "postgresql://pglvsd@10.0.0.100:5432/postgres?connect_timeout=1"
              password_file: /etc/pglvsd/password
              timeout: 1500ms
            poll_interval: 2s
            fast_poll_interval: 500ms
            probe_timeout: 1s
            watch_idle_probes: false
            state_directory: /var/lib/pglvsd
            runtime_directory: /run/pglvsd
            replica_conninfo: 'dbname=postgres user=pglvsd'
            metrics_file: /var/lib/node_exporter/pglvsd.prom
            on_stop: remove
            virtual_services:
              - {name: ro, address: "fd00::200", port: 6432, protocol: udp, scheduler: wrr, forwarding: nat,
                 real_server_port: 5432, real_server_address: client_addr, default_weight: 0,
                 weights: {node1: 3, 10.0.0.12: 2147483647}, sync_states: [async, quorum],
                 max_lag_bytes: 1.5GB, max_lag_seconds: 5s, require_streaming: false, rise: 1000, fall: 1,
                 removal: delete, drain_timeout: 2m, fallback_to_primary: true, min_pool: 0, lag_weighting: true,
                 reattach_grace: 0, real_servers: [node1, node2], discovery: both}
              - name: second
                address: 10.0.0.201
                port: 5433
                forwarding: tunnel
                max_lag_bytes: off
                max_lag_seconds: 0.5
            """
        return [shipped, minimal, everyKey]
    }()

    static let seedTrees: [YAMLTree] = seedTexts.map { text in
        // The fixtures are valid YAML mappings; a failure here is the test's own.
        (try? YAMLParser.parse(text)).flatMap { $0 }.map(YAMLTree.init) ?? .raw(text)
    }

    @Test func theSeedsLoad() throws {
        for text in ConfigurationFuzzTests.seedTexts {
            _ = try ConfigurationLoader.load(yaml: text)
            _ = try ConfigurationLoader.load(yaml: String(describing: YAMLTree(try #require(try YAMLParser.parse(text)))))
        }
    }

    @Test func mutatedDocumentsLoadOrNameTheirProblems() async {
        // How far inputs get: a campaign of only malformed YAML would test little of the loader.
        var (loaded, malformed, refused) = (0, 0, 0)
        let outcome = await Fuzz.run("ConfigurationLoader", inputs: 4_000, generate: { random -> String in
            let seed = random.below(ConfigurationFuzzTests.seedTexts.count)
            if random.oneIn(8) {
                // The text itself, comments and all, damaged byte by byte.
                let bytes = YAMLMutator.damage(Array(ConfigurationFuzzTests.seedTexts[seed].utf8), &random)
                return String(decoding: bytes, as: UTF8.self)
            }
            var tree = ConfigurationFuzzTests.seedTrees[seed]
            for _ in 0..<random.int(in: 1...4) { tree = YAMLMutator.mutate(tree, &random) }
            let text = tree.description
            guard random.oneIn(6) else { return text }
            return String(decoding: YAMLMutator.damage(Array(text.utf8), &random), as: UTF8.self)
        }, check: { text in
            let (verdict, failure) = ConfigurationFuzzTests.check(text)
            switch verdict {
            case .loaded: loaded += 1
            case .malformed: malformed += 1
            case .refused: refused += 1
            }
            return failure
        })
        print("fuzz ConfigurationLoader: \(loaded) loaded, \(refused) refused with problems, \(malformed) malformed YAML")
        #expect(outcome.failures.isEmpty, "\(outcome.failures)")
        #expect(outcome.inputs < 1_000 || (loaded > outcome.inputs / 20 && refused > outcome.inputs / 4),
                "few documents get past the YAML parser: the mutations need work")
    }

    enum Verdict { case loaded, malformed, refused }

    /// What the loader made of the text, and how it broke its promise (nil when it kept it).
    static func check(_ text: String) -> (Verdict, String?) {
        let configuration: DaemonConfiguration
        do {
            configuration = try ConfigurationLoader.load(yaml: text)
        } catch {
            if error.problems.isEmpty { return (.refused, "ConfigurationError without problems") }
            if let empty = error.problems.first(where: { $0.message.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }) {
                return (.refused, "a problem without a message at \"\(empty.path)\"")
            }
            _ = error.description
            return (error.problems.contains { $0.message.hasPrefix("malformed YAML") } ? .malformed : .refused, nil)
        }
        return (.loaded, boundsProblem(configuration))
    }

    /// What a loaded configuration must never hold.
    static func boundsProblem(_ configuration: DaemonConfiguration) -> String? {
        if !(100...5_000).contains(configuration.pollInterval.milliseconds) { return "poll_interval \(configuration.pollInterval)" }
        if !(50...configuration.pollInterval.milliseconds).contains(configuration.fastPollInterval.milliseconds) {
            return "fast_poll_interval \(configuration.fastPollInterval)"
        }
        if !(50...1_000).contains(configuration.probeTimeout.milliseconds) { return "probe_timeout \(configuration.probeTimeout)" }
        if !(50...2_000).contains(configuration.writer.timeout.milliseconds) { return "writer.timeout \(configuration.writer.timeout)" }
        if configuration.writer.conninfo.trimmingCharacters(in: .whitespaces).isEmpty { return "an empty conninfo" }
        if configuration.virtualServices.isEmpty { return "no virtual service" }
        for service in configuration.virtualServices {
            let policy = service.policy
            if service.name.unicodeScalars.contains(where: \.isHiddenInText) { return "a hidden character in \(service.name.debugDescription)" }
            if policy.defaultWeight > UInt32(Int32.max) || policy.weights.values.contains(where: { $0 > UInt32(Int32.max) }) {
                return "a weight beyond Int32.max"
            }
            if !(1...1_000).contains(policy.rise) || !(1...1_000).contains(policy.fall) || !(0...1_000).contains(policy.minPool) {
                return "rise \(policy.rise), fall \(policy.fall), min_pool \(policy.minPool)"
            }
            if let bytes = policy.maxLagBytes, bytes < 0 { return "max_lag_bytes \(bytes)" }
            if policy.realServerPort == 0 { return "real server port 0" }
        }
        return nil
    }
}
