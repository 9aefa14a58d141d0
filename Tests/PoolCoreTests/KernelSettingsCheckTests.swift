import Testing
@testable import PoolCore

/// Which IPVS sysctls defeat a removal or a drain, and what each does.
@Suite struct KernelSettingsCheckTests {
    func settings(nodest: Int = 1, quiescent: Int = 1, reuse: Int = 1, conntrack: Int = 1,
                  release: String? = "6.1.0-13-amd64") -> KernelSettings {
        KernelSettings(expireNodestConn: .value(nodest), expireQuiescentTemplate: .value(quiescent),
                       connReuseMode: .value(reuse), conntrack: .value(conntrack), kernelRelease: release)
    }

    @Test func thePackagesValuesAreRight() {
        let findings = KernelSettingsCheck.findings(settings(), persistentService: true)
        #expect(findings.map(\.setting) == ["net.ipv4.vs.expire_nodest_conn", "net.ipv4.vs.expire_quiescent_template",
                                            "net.ipv4.vs.conn_reuse_mode"])
        #expect(findings.allSatisfy { $0.isOK })
        #expect(findings[0].description == "net.ipv4.vs.expire_nodest_conn = 1: OK")
    }

    @Test func expireNodestConnOffLeavesARemovedServersSessionsHanging() {
        let finding = KernelSettingsCheck.findings(settings(nodest: 0), persistentService: false)[0]
        #expect(finding.description == "net.ipv4.vs.expire_nodest_conn = 0: sessions of a removed real server hang until their IPVS entry expires; set it to 1")
    }

    @Test func quiescentTemplatesMatterOnlyWithPersistence() {
        let without = KernelSettingsCheck.findings(settings(quiescent: 0), persistentService: false)[1]
        #expect(without.isOK)
        #expect(without.description == "net.ipv4.vs.expire_quiescent_template = 0: OK (no persistent service; 1 is recommended)")
        let with = KernelSettingsCheck.findings(settings(quiescent: 0), persistentService: true)[1]
        #expect(with.consequence?.hasPrefix("clients keep being sent to a drained (weight 0) server") == true)
    }

    @Test func connReuseModeZeroSlowsADrainAndModeOneCostsASecondBefore59() {
        #expect(KernelSettingsCheck.findings(settings(reuse: 0), persistentService: false)[2].consequence?
            .contains("still takes new connections from clients that reuse a source port") == true)
        let old = KernelSettingsCheck.findings(settings(reuse: 1, release: "5.4.0-150-generic"), persistentService: false)[2]
        #expect(old.consequence?.hasPrefix("on Linux 5.4 (before 5.9)") == true)
        #expect(KernelSettingsCheck.findings(settings(reuse: 1, release: "5.9.0"), persistentService: false)[2].isOK)
        #expect(KernelSettingsCheck.findings(settings(reuse: 1, release: nil), persistentService: false)[2].isOK)
    }

    /// Before 5.9 the SYN is dropped only where IPVS keeps conntrack entries (conntrack=1, off by
    /// default): a default 5.4 kernel is no problem, and any rescheduling mode counts.
    @Test func theOldKernelsSYNDropNeedsConntrack() {
        let quiet = KernelSettingsCheck.findings(settings(reuse: 1, conntrack: 0, release: "5.4.0-150-generic"), persistentService: false)
        #expect(quiet[2].isOK)
        let unread = KernelSettings(expireNodestConn: .value(1), expireQuiescentTemplate: .value(1), connReuseMode: .value(1),
                                    kernelRelease: "5.4.0")
        #expect(KernelSettingsCheck.findings(unread, persistentService: false)[2].isOK)
        let modeTwo = KernelSettingsCheck.findings(settings(reuse: 2, conntrack: 1, release: "4.19.0"), persistentService: false)
        #expect(modeTwo[2].consequence?.hasPrefix("on Linux 4.19 (before 5.9)") == true)
    }

    @Test func anUnreadableSettingIsAProblemNamingWhy() {
        let unreadable = KernelSettings(expireNodestConn: .unreadable("No such file or directory"),
                                        expireQuiescentTemplate: .value(1), connReuseMode: .value(1))
        let finding = KernelSettingsCheck.findings(unreadable, persistentService: false)[0]
        #expect(!finding.isOK && !finding.isReadable)
        #expect(KernelSettingsCheck.findings(unreadable, persistentService: false)[1].isReadable)
        #expect(finding.description == "net.ipv4.vs.expire_nodest_conn = unreadable: cannot be read (No such file or directory); is the ip_vs module loaded?")
    }

    @Test(arguments: [("6.1.0-13-amd64", 6, 1), ("5.10.0", 5, 10), ("4.19.0-26-cloud", 4, 19), ("6.8", 6, 8)])
    func kernelReleasesAreRead(release: String, major: Int, minor: Int) throws {
        let version = try #require(KernelSettingsCheck.kernelVersion(release))
        #expect(version.major == major && version.minor == minor)
    }

    @Test(arguments: ["", "6", "linux", ".1", "6.x", "99999999999999999999.1"])
    func otherTextIsNoRelease(release: String) {
        #expect(KernelSettingsCheck.kernelVersion(release) == nil)
    }
}

/// A master sync daemon depends on sync_refresh_period for sessions that idle on keepalives.
@Suite struct SyncRefreshPeriodCheckTests {
    let base = KernelSettings(expireNodestConn: .value(1), expireQuiescentTemplate: .value(1), connReuseMode: .value(1))

    @Test func checkedOnlyWithAMasterSyncDaemon() {
        var settings = base
        settings.syncRefreshPeriod = .value(0)
        #expect(KernelSettingsCheck.findings(settings, persistentService: false).count == 3)
        let withMaster = KernelSettingsCheck.findings(settings, persistentService: false, syncMaster: true)
        #expect(withMaster.count == 4)
        #expect(withMaster[3].setting == "net.ipv4.vs.sync_refresh_period")
        #expect(withMaster[3].consequence?.contains("a failover resets it") == true)
        settings.syncRefreshPeriod = .value(120)
        settings.syncPeriod = .value(50)
        // The packet period still gates every sync: the refresh period alone is not enough.
        #expect(KernelSettingsCheck.findings(settings, persistentService: false, syncMaster: true)[3].consequence?
            .contains("every 50th packet") == true)
        settings.syncPeriod = .value(0)
        #expect(KernelSettingsCheck.findings(settings, persistentService: false, syncMaster: true)[3].isOK)
    }
}
