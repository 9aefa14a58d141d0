import Configuration
import Testing
@testable import pglvsd

private func configuration(writer: String = "host=10.0.0.100 dbname=postgres user=pglvsd", extra: String = "",
                           services: String = "  - name: reader\n    address: 10.0.0.200\n    port: 5432\n") throws -> DaemonConfiguration {
    try ConfigurationLoader.load(yaml: """
        writer:
          conninfo: "\(writer)"
        \(extra)
        virtual_services:
        \(services)
        """)
}

/// The reload diff (issue #15): what a SIGHUP reconnects, reschedules and drops, from the two
/// configurations alone.
@Suite struct ConfigurationChangeTests {
    @Test func theSameFileChangesNothing() throws {
        let change = ConfigurationChange(from: try configuration(), password: "p", to: try configuration(), password: "p")
        #expect(change == ConfigurationChange(from: try configuration(), password: nil, to: try configuration(), password: nil))
        #expect(!change.reconnectsWriter && !change.reconnectsProbes && !change.reschedulesRounds && !change.movesMaintenanceMarks)
        #expect(change.droppedServices.isEmpty)
    }

    @Test func aNewWeightReconnectsNothing() throws {
        let weighted = try configuration(services: "  - name: reader\n    address: 10.0.0.200\n    port: 5432\n    weights: {node2: 5}\n")
        let change = ConfigurationChange(from: try configuration(), password: nil, to: weighted, password: nil)
        #expect(!change.reconnectsWriter && !change.reconnectsProbes && !change.reschedulesRounds)
        #expect(change.droppedServices.isEmpty)
    }

    @Test func aNewPasswordReconnectsTheWriterAndTheProbes() throws {
        let change = ConfigurationChange(from: try configuration(), password: "old", to: try configuration(), password: "new")
        #expect(change.reconnectsWriter && change.reconnectsProbes)
        #expect(!change.reschedulesRounds)
    }

    @Test func aNewWriterConninfoReconnectsTheProbesThatUseIt() throws {
        let change = ConfigurationChange(from: try configuration(), password: nil,
                                         to: try configuration(writer: "host=10.0.0.101 dbname=postgres user=pglvsd"), password: nil)
        #expect(change.reconnectsWriter && change.reconnectsProbes)
    }

    @Test func aNewPollIntervalReschedulesAndReconnectsOnlyTheProbes() throws {
        let change = ConfigurationChange(from: try configuration(), password: nil,
                                         to: try configuration(extra: "poll_interval: 3s"), password: nil)
        #expect(change.reschedulesRounds && change.reconnectsProbes)
        #expect(!change.reconnectsWriter)
    }

    @Test func probeSettingsReconnectOnlyTheProbes() throws {
        for extra in ["probe_timeout: 900ms", "watch_idle_probes: false",
                      "replica_conninfo: \"dbname=postgres user=probe\""] {
            let change = ConfigurationChange(from: try configuration(), password: nil, to: try configuration(extra: extra), password: nil)
            #expect(change.reconnectsProbes, "\(extra)")
            #expect(!change.reconnectsWriter && !change.reschedulesRounds, "\(extra)")
        }
    }

    @Test func aServiceRenamedOrMovedIsDroppedAndAnotherKept() throws {
        let two = "  - name: reader\n    address: 10.0.0.200\n    port: 5432\n  - name: reports\n    address: 10.0.0.201\n    port: 5432\n"
        let moved = "  - name: reader\n    address: 10.0.0.200\n    port: 5433\n  - name: reports\n    address: 10.0.0.201\n    port: 5432\n"
        let renamed = "  - name: reads\n    address: 10.0.0.200\n    port: 5432\n  - name: reports\n    address: 10.0.0.201\n    port: 5432\n"
        for services in [moved, renamed] {
            let change = ConfigurationChange(from: try configuration(services: two), password: nil,
                                             to: try configuration(services: services), password: nil)
            #expect(change.droppedServices.map(\.name) == ["reader"])
        }
    }

    @Test func aNewStateDirectoryMovesTheMarks() throws {
        let change = ConfigurationChange(from: try configuration(), password: nil,
                                         to: try configuration(extra: "state_directory: /var/lib/pglvsd-other"), password: nil)
        #expect(change.movesMaintenanceMarks)
        #expect(!change.reconnectsWriter && !change.reconnectsProbes)
    }
}
