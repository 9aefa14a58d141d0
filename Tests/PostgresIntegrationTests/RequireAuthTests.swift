import Dispatch
import Foundation
import Testing
@testable import Postgres

/// The password and servers that ask for it in clear text or as MD5 (the loopback cluster's roles
/// cleartext_probe and md5_probe), with the libpq this process runs: Debian 12's 15 cannot
/// refuse; scripts/test runs these again with a libpq 18 preloaded (Tests/Postgres/newer-libpq.sh,
/// PGLVSD_EXPECT_REQUIRE_AUTH=1), which must.
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

    private func expectRefusedWhereLibpqCan(role: String, asked: String) throws {
        let version = LibPQ.version
        if ProcessInfo.processInfo.environment["PGLVSD_EXPECT_REQUIRE_AUTH"] == "1" {
            try #require(LibPQ.canRefusePasswordInClear, "libpq \(version) runs, not the preloaded libpq 16 or later")
        }
        let outcome = try #require(probe(role: role), "no answer within the wait")
        if LibPQ.canRefusePasswordInClear {
            guard case .failure(let error) = outcome else {
                Issue.record("libpq \(version) sent the password to a server that asked for it \(asked)")
                return
            }
            #expect(error.message.contains("authentication method requirement"), "\(error)")
            #expect(!error.message.contains(Self.probeSecret))
            print("libpq \(version): the request for the password \(asked) was refused: \(error.summary)")
        } else {
            // The residual trust the README names: libpq 15 answers such a request.
            #expect(throws: Never.self) { try outcome.get() }
            print("libpq \(version) cannot refuse (no require_auth): the probe logged in, the password sent \(asked)")
        }
    }

    @Test func requireAuthAProbeRefusesACleartextPasswordRequestWhereLibpqCan() throws {
        try expectRefusedWhereLibpqCan(role: "cleartext_probe", asked: "in clear text")
    }

    @Test func requireAuthAProbeRefusesAnMD5RequestWhereLibpqCan() throws {
        try expectRefusedWhereLibpqCan(role: "md5_probe", asked: "as an MD5 hash")
    }

    @Test func requireAuthAProbeStillLogsInBySCRAM() throws {
        let outcome = try #require(probe(role: "scram_probe"), "no answer within the wait")
        let status = try outcome.get()
        #expect(status.inRecovery)
        print("libpq \(LibPQ.version): the probe logged in by SCRAM")
    }

    /// An operator whose replicas still ask for MD5 says so in the conninfo, which wins.
    @Test(.enabled(if: LibPQ.canRefusePasswordInClear, "require_auth needs libpq 16: runs under scripts/test with libpq 18"))
    func requireAuthTheConninfosOwnRequirementWins() throws {
        let outcome = try #require(probe(role: "md5_probe", conninfoExtra: "require_auth=md5,scram-sha-256"),
                                   "no answer within the wait")
        let status = try outcome.get()
        #expect(status.inRecovery)
        print("libpq \(LibPQ.version): require_auth=md5,scram-sha-256 in the conninfo let the MD5 login through")
    }
}
