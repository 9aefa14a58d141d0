import Testing
@testable import Postgres

@Suite struct ConnectionSettingsTests {
    private func value(_ key: String, in keywords: (keys: [String], values: [String])) -> String? {
        keywords.keys.firstIndex(of: key).map { keywords.values[$0] }
    }

    /// The guard must come before the conninfo (expanded from dbname), so the conninfo's own wins.
    private func comesBeforeTheConninfo(_ key: String, in keywords: (keys: [String], values: [String])) -> Bool {
        guard let guardIndex = keywords.keys.firstIndex(of: key),
              let conninfo = keywords.keys.firstIndex(of: "dbname") else { return false }
        return guardIndex < conninfo
    }

    @Test func probesRefuseACleartextOrMD5RequestWhereLibpqCan() {
        let settings = ConnectionSettings(conninfo: "user=pglvsd", refusesPasswordInClear: true)
        let keywords = settings.keywords(libraryVersion: 160004, libpqFindsPassword: false)
        #expect(value("require_auth", in: keywords) == "!password,!md5")
        #expect(value("channel_binding", in: keywords) == nil)
        #expect(comesBeforeTheConninfo("require_auth", in: keywords))
    }

    @Test func libpq15AsksForChannelBindingWhereAPasswordMayBeSent() {
        let fromFile = ConnectionSettings(conninfo: "user=pglvsd", password: "s", refusesPasswordInClear: true)
        let keywords = fromFile.keywords(libraryVersion: 150018, libpqFindsPassword: false)
        #expect(value("channel_binding", in: keywords) == "require")
        #expect(value("require_auth", in: keywords) == nil, "libpq 15 rejects a connection for a keyword it lacks")
        #expect(comesBeforeTheConninfo("channel_binding", in: keywords))
        for conninfo in ["user=pglvsd password=s", "user=pglvsd passfile=/etc/pglvsd/pgpass", "service=replicas",
                         "postgresql://pglvsd:s@10.0.0.100/postgres"] {
            let settings = ConnectionSettings(conninfo: conninfo, refusesPasswordInClear: true)
            #expect(settings.passwordGuard(libraryVersion: 150018, libpqFindsPassword: false) == .channelBinding, "\(conninfo)")
        }
        let fromLibpq = ConnectionSettings(conninfo: "user=pglvsd", refusesPasswordInClear: true)
        #expect(fromLibpq.passwordGuard(libraryVersion: 150018, libpqFindsPassword: true) == .channelBinding)
    }

    /// Trust, peer and certificate logins keep working on libpq 15: with no password there is
    /// nothing to lose, and channel binding would refuse a login that needs none.
    @Test func libpq15WithoutAPasswordAsksForNothing() {
        let settings = ConnectionSettings(conninfo: "host=10.0.0.100 user=pglvsd", refusesPasswordInClear: true)
        let keywords = settings.keywords(libraryVersion: 150018, libpqFindsPassword: false)
        #expect(value("channel_binding", in: keywords) == nil)
        #expect(value("require_auth", in: keywords) == nil)
    }

    @Test func anUnparsableConninfoIsGuardedAsIfItHeldAPassword() {
        let settings = ConnectionSettings(conninfo: "password='unterminated", refusesPasswordInClear: true)
        #expect(settings.passwordGuard(libraryVersion: 150018, libpqFindsPassword: false) == .channelBinding)
    }

    @Test func withoutTheGuardNoKeywordIsAdded() {
        let settings = ConnectionSettings(conninfo: "user=pglvsd", password: "s")
        for version in [150018, 170002] {
            let keywords = settings.keywords(libraryVersion: version, libpqFindsPassword: true)
            #expect(value("require_auth", in: keywords) == nil)
            #expect(value("channel_binding", in: keywords) == nil)
        }
    }
}

/// A conninfo that turns the password guard off is named at start.
@Suite struct PasswordGuardOverrideTests {
    @Test func onLibpq15AnyChannelBindingButRequireIsAnOverride() {
        #expect(PasswordGuardOverride.find(in: "host=a channel_binding=prefer", libraryVersion: 150018) == "channel_binding=prefer")
        #expect(PasswordGuardOverride.find(in: "host=a channel_binding=disable", libraryVersion: 150018) == "channel_binding=disable")
        #expect(PasswordGuardOverride.find(in: "host=a channel_binding=require", libraryVersion: 150018) == nil)
        #expect(PasswordGuardOverride.find(in: "host=a", libraryVersion: 150018) == nil)
    }

    /// libpq parses the conninfo, and libpq 15 knows no require_auth: runs under scripts/test's libpq 18.
    @Test(.enabled(if: LibPQ.canRefusePasswordInClear, "require_auth needs libpq 16: runs under scripts/test with libpq 18"))
    func requireAuthThatAdmitsClearTextOrMD5IsAnOverride() {
        for (methods, weaker) in [("md5,scram-sha-256", true), ("password", true), ("!password", true), ("!md5,!gss", true),
                                  ("scram-sha-256", false), ("!password,!md5", false), ("!md5,!password,!gss", false)] {
            let found = PasswordGuardOverride.find(in: "host=a require_auth=\(methods)", libraryVersion: 160004)
            #expect((found != nil) == weaker, "\(methods)")
        }
        // On libpq 16 a channel_binding does not replace require_auth.
        #expect(PasswordGuardOverride.find(in: "host=a channel_binding=disable", libraryVersion: 160004) == nil)
    }
}

@Suite struct OldLibpqTests {
    @Test func libpq12HasNoKeywordToSend() {
        let settings = ConnectionSettings(conninfo: "user=pglvsd", password: "s", refusesPasswordInClear: true)
        #expect(settings.passwordGuard(libraryVersion: 120015, libpqFindsPassword: false) == .unavailable)
        let keywords = settings.keywords(libraryVersion: 120015, libpqFindsPassword: false)
        #expect(!keywords.keys.contains("channel_binding") && !keywords.keys.contains("require_auth"))
    }
}
