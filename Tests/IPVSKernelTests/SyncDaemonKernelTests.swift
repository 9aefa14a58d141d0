import Foundation
import Testing
import IPVS
import LVSModel

/// The connection synchronisation daemons against the real kernel (the lab's namespace has the
/// dummy interface d0), cross-checked with `ipvsadm -L --daemon`.
extension IPVSKernelTests {
@Suite(.serialized)
final class SyncDaemonKernelTests {
    let client: IPVSClient

    init() throws {
        client = try IPVSClient()
        for daemon in try client.syncDaemons() { try client.stopSyncDaemon(daemon.role) }
    }

    deinit {
        for role in SyncDaemon.Role.allCases { try? client.stopSyncDaemon(role) }
    }

    @Test func aMasterAndABackupStartAndListAsIpvsadmDoes() throws {
        #expect(try client.syncDaemons().isEmpty)
        try client.startSyncDaemon(SyncDaemon(role: .backup, interface: "d0", syncID: 7))
        try client.startSyncDaemon(SyncDaemon(role: .master, interface: "d0", syncID: 7))
        let daemons = try client.syncDaemons()
        #expect(daemons.map(\.role) == [.master, .backup])
        #expect(daemons.allSatisfy { $0.interface == "d0" && $0.syncID == 7 })
        let ours = IPVSTableText.render(daemons)
        let theirs = try KernelLab.ipvsadm("-L", "--daemon")
        #expect(ours == theirs)
        print("sync daemons, as pglvsd and ipvsadm list them:\n\(ours)", terminator: "")
    }

    @Test func aDaemonStopsAndTheOtherRunsOn() throws {
        try client.startSyncDaemon(SyncDaemon(role: .master, interface: "d0", syncID: 200))
        try client.startSyncDaemon(SyncDaemon(role: .backup, interface: "d0", syncID: 200))
        try client.stopSyncDaemon(.master)
        #expect(try client.syncDaemons().map(\.role) == [.backup])
        #expect(try KernelLab.ipvsadm("-L", "--daemon").hasPrefix("backup sync daemon (mcast=d0, syncid=200"))
    }

    @Test func aSecondMasterIsRefusedNamingTheOperation() throws {
        let first = SyncDaemon(role: .master, interface: "d0", syncID: 1)
        try client.startSyncDaemon(first)
        let second = SyncDaemon(role: .master, interface: "d0", syncID: 2)
        let error = try #require(throws: IPVSError.self) { try client.startSyncDaemon(second) }
        #expect(error.kind == .kernel(.exists))
        #expect(error.operation == .startSyncDaemon(second))
        #expect(error.description.hasSuffix(": a sync daemon of that role runs already (errno 17)"))
        #expect(try client.syncDaemons().map(\.syncID) == [1], "the running master was left as it was")
    }

    @Test func anInterfaceThatDoesNotExistIsRefused() throws {
        let daemon = SyncDaemon(role: .master, interface: "nosuch0", syncID: 3)
        let error = try #require(throws: IPVSError.self) { try client.startSyncDaemon(daemon) }
        #expect(error.kind == .kernel(Errno(rawValue: ENODEV)))
        #expect(error.description.hasPrefix("start the master sync daemon on nosuch0 (syncid 3): "))
        #expect(try client.syncDaemons().isEmpty)
    }

    @Test func stoppingADaemonThatDoesNotRunIsRefused() throws {
        let error = try #require(throws: IPVSError.self) { try client.stopSyncDaemon(.backup) }
        #expect(error.operation == .stopSyncDaemon(.backup))
        #expect(error.description == "stop the backup sync daemon: no sync daemon of that role runs (errno 3)")
    }
}
}
