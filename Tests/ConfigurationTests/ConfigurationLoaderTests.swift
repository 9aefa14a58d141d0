import Foundation
import Testing
import LVSModel
import PoolCore
@testable import Configuration

@Suite struct ConfigurationLoaderTests {
    @Test func theShippedExampleLoads() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../etc/pglvsd/pglvsd.yaml")
        let configuration = try ConfigurationLoader.load(yaml: try String(contentsOf: url, encoding: .utf8))
        #expect(configuration.virtualServices.count == 1)
        let reader = configuration.virtualServices[0]
        #expect(reader.service.key == .endpoint(.tcp, SocketEndpoint(address: IPAddress("192.168.0.231")!, port: 5432)))
        #expect(reader.policy.weights == ["node1": 1, "node2": 1, "node3": 1])
        #expect(reader.policy.forwarding == .directRoute)
        #expect(configuration.pollInterval.milliseconds == 1000)
    }

    @Test func defaultsFollowTheSeed() throws {
        let configuration = try ConfigurationLoader.load(yaml: minimal)
        let reader = configuration.virtualServices[0]
        #expect(reader.name == "reader")
        #expect(reader.service.scheduler == "rr")
        #expect(reader.policy.defaultWeight == 1)
        #expect(reader.policy.realServerPort == 5432)
        #expect(reader.policy.acceptedSyncStates == PoolPolicy.seedSyncStates)
        #expect(reader.addressSource == .applicationName)
        #expect(configuration.pollInterval == DaemonConfiguration.defaultPollInterval)
    }

    @Test func anUnknownKeyIsNamedWithItsPath() {
        let found = problems(minimal + "\n    colour: blue")
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("virtual_services[0].colour: unknown key (expected one of: address, default_weight,") == true)
        #expect(problems("wrtier: {}\n" + minimal).first?.hasPrefix("wrtier: unknown key") == true)
    }

    @Test func aBadAddressIsNamed() {
        let yaml = minimal.replacingOccurrences(of: "10.0.0.200", with: "10.0.0.300")
        #expect(problems(yaml) == ["virtual_services[0].address: not an IPv4 or IPv6 address: \"10.0.0.300\""])
    }

    @Test func aNegativeWeightIsNamed() {
        #expect(problems(minimal + "\n    weights: {node2: -1}") == [
            "virtual_services[0].weights.node2: weight of node2 must be between 0 and 2147483647, got -1",
        ])
        #expect(problems(minimal + "\n    default_weight: -3") == [
            "virtual_services[0].default_weight: weight must be between 0 and 2147483647, got -3",
        ])
    }

    @Test func everyProblemIsReportedAtOnce() {
        let yaml = """
            writer: {conninfo: "host=x", extra: 1}
            poll_interval: 10ms
            virtual_services:
              - address: nowhere
                port: 0
                scheduler: fastest
                forwarding: teleport
                weights: {node2: many}
            """
        let found = problems(yaml)
        #expect(found.count == 7)
        #expect(found.contains { $0.hasPrefix("writer.extra: unknown key") })
        #expect(found.contains("poll_interval: must be at least 100ms"))
        #expect(found.contains { $0.hasPrefix("virtual_services[0].address:") })
        #expect(found.contains("virtual_services[0].port: port must be between 1 and 65535, got 0"))
        #expect(found.contains { $0.hasPrefix("virtual_services[0].scheduler: unknown scheduler \"fastest\"") })
        #expect(found.contains { $0.hasPrefix("virtual_services[0].forwarding: unknown value \"teleport\"") })
        #expect(found.contains { $0.hasPrefix("virtual_services[0].weights.node2: weight of node2 must be an integer") })
    }

    @Test func timeoutsAndTheFastIntervalHaveDefaultsAndBounds() throws {
        let configuration = try ConfigurationLoader.load(yaml: minimal)
        #expect(configuration.probeTimeout.milliseconds == 500)
        #expect(configuration.writer.timeout.milliseconds == 2000)
        #expect(configuration.fastPollInterval.milliseconds == 250)
        #expect(configuration.watchIdleProbes)
        #expect(configuration.writer.passwordFile == nil)
        let tuned = try ConfigurationLoader.load(yaml: minimal + "\npoll_interval: 2s\nprobe_timeout: 1s\nwatch_idle_probes: false")
        #expect(tuned.fastPollInterval.milliseconds == 500)
        #expect(tuned.probeTimeout.milliseconds == 1000)
        #expect(!tuned.watchIdleProbes)
        #expect(problems(minimal + "\nprobe_timeout: 10ms") == ["probe_timeout: must be between 50ms and 1s, got 10ms"])
        #expect(problems(minimal + "\nfast_poll_interval: 2s") == ["fast_poll_interval: must not be longer than poll_interval (1s)"])
        let writer = "writer: {conninfo: \"host=x\", timeout: 1m, password_file: secret}\n"
        #expect(problems(writer + minimal.split(separator: "\n").dropFirst(2).joined(separator: "\n")) == [
            "writer.password_file: must be an absolute path",
            "writer.timeout: must be between 50ms and 2s, got 60s",
        ])
    }

    @Test func missingKeysAreNamed() {
        #expect(problems("virtual_services: []") == [
            "writer: required key is missing",
            "virtual_services: at least one virtual service is required",
        ])
    }

    @Test func directRoutingKeepsTheVirtualPort() {
        #expect(problems(minimal + "\n    real_server_port: 6432") == [
            "virtual_services[0].real_server_port: direct routing cannot change the port: must equal port (5432)",
        ])
        #expect(problems(minimal + "\n    real_server_port: 6432\n    forwarding: nat").isEmpty)
    }

    @Test func duplicateServicesAreRejected() {
        let yaml = minimal + "\n  - address: 10.0.0.200\n    port: 5432\n    name: other"
        #expect(problems(yaml) == ["virtual_services[1]: duplicate virtual service TCP 10.0.0.200:5432 (also virtual_services[0])"])
    }

    @Test func malformedYAMLIsAnError() {
        #expect(problems("writer: [\n").first?.hasPrefix("malformed YAML") == true)
        #expect(problems("- just\n- a list\n") == ["the configuration must be a YAML mapping"])
    }

    @Test(arguments: [("500ms", 500), ("1s", 1000), ("1.5s", 1500), ("2m", 120_000)])
    func durationsParse(text: String, milliseconds: Int) throws {
        // drain_timeout: a duration with room for minutes (poll_interval stops at 5s).
        let configuration = try ConfigurationLoader.load(yaml: minimal + "\n    drain_timeout: \(text)")
        #expect(configuration.virtualServices[0].policy.drainTimeoutSeconds * 1000 == Double(milliseconds))
    }

    @Test func aBadDurationIsNamed() {
        #expect(problems(minimal + "\npoll_interval: soon") == [
            "poll_interval: not a duration: \"soon\" (write e.g. 500ms, 1s, 2m)",
        ])
    }
}

@Suite struct PoolRuleConfigurationTests {
    @Test func poolRulesHaveTheDocumentedDefaults() throws {
        let policy = try ConfigurationLoader.load(yaml: minimal).virtualServices[0].policy
        #expect(policy.maxLagBytes == Int64(16 * 1024 * 1024))
        #expect(policy.maxLagSeconds == nil)
        #expect(policy.acceptedStates == ["streaming"])
        #expect(policy.rise == 2 && policy.fall == 2)
        #expect(policy.removal == .quiesce)
        #expect(policy.drainTimeoutSeconds == 60)
        #expect(policy.fallbackToPrimary == false)
        #expect(policy.minPool == 1)
        #expect(policy.lagWeighting == false)
    }

    @Test func poolRulesAreRead() throws {
        let yaml = minimal + """

                max_lag_bytes: 64MB
                max_lag_seconds: 5s
                require_streaming: false
                rise: 3
                fall: 1
                removal: delete
                drain_timeout: 2m
                fallback_to_primary: true
                min_pool: 2
                lag_weighting: true
                real_servers: [node1, node2]
            """
        let service = try ConfigurationLoader.load(yaml: yaml).virtualServices[0]
        #expect(service.policy.maxLagBytes == Int64(64 * 1024 * 1024))
        #expect(service.policy.maxLagSeconds == 5)
        #expect(service.policy.acceptedStates == ["streaming", "catchup"])
        #expect(service.policy.rise == 3 && service.policy.fall == 1)
        #expect(service.policy.removal == .delete)
        #expect(service.policy.drainTimeoutSeconds == 120)
        #expect(service.policy.fallbackToPrimary && service.policy.lagWeighting)
        #expect(service.policy.minPool == 2)
        #expect(service.staticRealServers == ["node1", "node2"])
        #expect(service.discovery == .both)
    }

    @Test func lagLimitsCanBeSwitchedOff() throws {
        let service = try ConfigurationLoader.load(yaml: minimal + "\n    max_lag_bytes: off").virtualServices[0]
        #expect(service.policy.maxLagBytes == nil)
    }

    @Test func badPoolRulesAreNamed() {
        let found = problems(minimal + "\n    rise: 0\n    max_lag_bytes: lots\n    removal: vanish\n    discovery: static")
        #expect(found.contains("virtual_services[0].rise: must be between 1 and 1000, got 0"))
        #expect(found.contains { $0.hasPrefix("virtual_services[0].max_lag_bytes: not a size: \"lots\"") })
        #expect(found.contains { $0.hasPrefix("virtual_services[0].removal: unknown value \"vanish\"") })
        #expect(found.contains("virtual_services[0].discovery: static discovery needs real_servers"))
    }
}
