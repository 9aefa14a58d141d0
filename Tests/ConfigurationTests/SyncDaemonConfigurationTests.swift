import Testing
import LVSModel
@testable import Configuration

/// `ipvs.sync_daemon`: a role, an interface the kernel would take, a syncid of 0–255; each
/// problem names its key path.
@Suite struct SyncDaemonConfigurationTests {
    @Test func bothRolesMeanAMasterAndABackup() throws {
        let loaded = try ConfigurationLoader.load(yaml: minimal + "\nipvs:\n  sync_daemon: {role: both, interface: eth1, syncid: 7}")
        #expect(loaded.ipvs.syncDaemons == [SyncDaemon(role: .master, interface: "eth1", syncID: 7),
                                            SyncDaemon(role: .backup, interface: "eth1", syncID: 7)])
    }

    @Test func oneRole() throws {
        let master = try ConfigurationLoader.load(yaml: minimal + "\nipvs: {sync_daemon: {role: master, interface: bond0.12, syncid: 0}}")
        #expect(master.ipvs.syncDaemons == [SyncDaemon(role: .master, interface: "bond0.12", syncID: 0)])
        let backup = try ConfigurationLoader.load(yaml: minimal + "\nipvs: {sync_daemon: {role: backup, interface: lan, syncid: 255}}")
        #expect(backup.ipvs.syncDaemons == [SyncDaemon(role: .backup, interface: "lan", syncID: 255)])
    }

    @Test func withoutTheKeyTheKernelsDaemonsAreLeftAlone() throws {
        #expect(try ConfigurationLoader.load(yaml: minimal).ipvs.syncDaemons == nil)
        #expect(try ConfigurationLoader.load(yaml: minimal + "\nipvs: {timeouts: {tcp: 20s}}").ipvs.syncDaemons == nil)
    }

    @Test func eachProblemIsNamed() {
        #expect(problems(minimal + "\nipvs: {sync_daemon: {role: primary, interface: eth1, syncid: 7}}") == [
            "ipvs.sync_daemon.role: unknown value \"primary\" (expected one of: master, backup, both)",
        ])
        #expect(problems(minimal + "\nipvs: {sync_daemon: {role: master, interface: eth1, syncid: 256}}") == [
            "ipvs.sync_daemon.syncid: must be between 0 and 255, got 256",
        ])
        #expect(problems(minimal + "\nipvs: {sync_daemon: {role: master, syncid: -1}}") == [
            "ipvs.sync_daemon.interface: required key is missing",
            "ipvs.sync_daemon.syncid: must be between 0 and 255, got -1",
        ])
        #expect(problems(minimal + "\nipvs: {sync_daemon: {interface: eth1, syncid: 1, mcast_group: 224.0.0.81}}") == [
            "ipvs.sync_daemon.mcast_group: unknown key (expected one of: interface, role, syncid)",
            "ipvs.sync_daemon.role: required key is missing",
        ])
        #expect(problems(minimal + "\nipvs:\n  sync_daemon:") == ["ipvs.sync_daemon: must not be empty"])
    }

    @Test(arguments: ["a-name-of-16-chr", "eth 1", "eth/1", "eth1:0", ".", "..", "eth\u{202E}1"])
    func anInterfaceNameTheKernelWouldRefuseIsNamed(name: String) {
        let found = problems(minimal + "\nipvs: {sync_daemon: {role: master, interface: \"\(name)\", syncid: 1}}")
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("ipvs.sync_daemon.interface: ") == true, "\(found)")
    }

    @Test func theLongestNameTheKernelTakesIsAccepted() throws {
        let loaded = try ConfigurationLoader.load(yaml: minimal + "\nipvs: {sync_daemon: {role: master, interface: fifteen-chars-x, syncid: 1}}")
        #expect(loaded.ipvs.syncDaemons?.first?.interface == "fifteen-chars-x")
    }
}
