import Testing
@testable import Postgres

@Suite struct ConnectionSettingsTests {
    private func value(_ key: String, in keywords: (keys: [String], values: [String])) -> String? {
        keywords.keys.firstIndex(of: key).map { keywords.values[$0] }
    }

    @Test func probesRefuseACleartextOrMD5RequestWhereLibpqCan() {
        let settings = ConnectionSettings(conninfo: "user=pglvsd", refusesPasswordInClear: true)
        let keywords = settings.keywords(libraryVersion: 160004)
        #expect(value("require_auth", in: keywords) == "!password,!md5")
        // A default: the conninfo (expanded from dbname) comes later and wins.
        let requireAuth = keywords.keys.firstIndex(of: "require_auth")
        let conninfo = keywords.keys.firstIndex(of: "dbname")
        #expect(requireAuth != nil && conninfo != nil && requireAuth! < conninfo!)
    }

    @Test func libpq15GetsNoKeywordItWouldRejectTheConnectionFor() {
        let settings = ConnectionSettings(conninfo: "user=pglvsd", refusesPasswordInClear: true)
        #expect(value("require_auth", in: settings.keywords(libraryVersion: 150018)) == nil)
    }

    @Test func withoutTheGuardNoKeywordIsAdded() {
        let settings = ConnectionSettings(conninfo: "user=pglvsd")
        #expect(value("require_auth", in: settings.keywords(libraryVersion: 170002)) == nil)
    }
}
