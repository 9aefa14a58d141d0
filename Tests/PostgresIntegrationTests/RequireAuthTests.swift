import Dispatch
import Foundation
import Testing
@testable import Postgres

/// The password and servers that ask for it in clear text or as MD5 (the loopback cluster's roles
/// cleartext_probe and md5_probe; its TLS is on), with the libpq this process runs: Debian 12's 15
/// refuses by asking for channel binding, and scripts/test runs these again with a libpq 18
/// preloaded (Tests/Postgres/newer-libpq.sh, PGLVSD_EXPECT_REQUIRE_AUTH=1), which refuses by
/// require_auth.
extension WriterAndReplicaViewTests {
    private static let probeSecret = "loopback-probe-secret"

    private func probe(role: String, conninfoExtra: String = "") -> Result<ReplicaStatus, PostgresError>? {
        let queue = DispatchQueue(label: "require-auth")
        let settings = ConnectionSettings(conninfo: "host=127.0.0.1 port=55433 dbname=postgres user=\(role) \(conninfoExtra)",
                                          applicationName: "pglvsd-probe", password: Self.probeSecret,
                                          refusesPasswordInClear: true)
        let channel = PostgresChannel(settings, queue: queue)
        defer { queue.sync { channel.close() } }
        return Await.result { done in queue.async { channel.replicaStatus(timeout: .seconds(3), completion: done) } }
    }

    private func requireTheExpectedLibpq() throws {
        if ProcessInfo.processInfo.environment["PGLVSD_EXPECT_REQUIRE_AUTH"] == "1" {
            try #require(LibPQ.canRefusePasswordInClear, "libpq \(LibPQ.version) runs, not the preloaded libpq 16 or later")
        }
    }

    /// What libpq says when it refuses: require_auth's check, or (libpq 15) channel binding's.
    private var refusal: String {
        LibPQ.canRefusePasswordInClear ? "authentication method requirement" : "channel binding"
    }

    private func expectRefused(role: String, asked: String, conninfoExtra: String = "") throws {
        try requireTheExpectedLibpq()
        let outcome = try #require(probe(role: role, conninfoExtra: conninfoExtra), "no answer within the wait")
        guard case .failure(let error) = outcome else {
            Issue.record("libpq \(LibPQ.version) logged in to a server that asked for the password \(asked)")
            return
        }
        #expect(error.message.contains(refusal), "\(error)")
        #expect(!error.message.contains(Self.probeSecret))
        print("libpq \(LibPQ.version): the request for the password \(asked) was refused: \(error.summary)")
    }

    @Test func requireAuthAProbeRefusesACleartextPasswordRequest() throws {
        try expectRefused(role: "cleartext_probe", asked: "in clear text")
    }

    @Test func requireAuthAProbeRefusesAnMD5Request() throws {
        try expectRefused(role: "md5_probe", asked: "as an MD5 hash")
    }

    @Test func requireAuthAProbeStillLogsInBySCRAM() throws {
        try requireTheExpectedLibpq()
        let outcome = try #require(probe(role: "scram_probe"), "no answer within the wait")
        let status = try outcome.get()
        #expect(status.inRecovery)
        print("libpq \(LibPQ.version): the probe logged in by SCRAM\(LibPQ.canRefusePasswordInClear ? "" : " bound to TLS")")
    }

    /// SCRAM without TLS: libpq 16's require_auth lets it through; libpq 15's guard cannot tell it
    /// from a relayed exchange and refuses (the price of the guard, which the README names).
    @Test func requireAuthSCRAMWithoutTLS() throws {
        if LibPQ.canRefusePasswordInClear {
            try requireTheExpectedLibpq()
            let status = try #require(probe(role: "scram_probe", conninfoExtra: "sslmode=disable")).get()
            #expect(status.inRecovery)
            print("libpq \(LibPQ.version): SCRAM without TLS logged in")
        } else {
            try expectRefused(role: "scram_probe", asked: "by SCRAM without TLS", conninfoExtra: "sslmode=disable")
        }
    }

    /// An operator whose replicas still ask for MD5 says so in the conninfo, which wins.
    @Test func requireAuthTheConninfosOwnRequirementWins() throws {
        try requireTheExpectedLibpq()
        let own = LibPQ.canRefusePasswordInClear ? "require_auth=md5,scram-sha-256" : "channel_binding=disable"
        let outcome = try #require(probe(role: "md5_probe", conninfoExtra: own), "no answer within the wait")
        let status = try outcome.get()
        #expect(status.inRecovery)
        print("libpq \(LibPQ.version): \(own) in the conninfo let the MD5 login through")
    }
}
