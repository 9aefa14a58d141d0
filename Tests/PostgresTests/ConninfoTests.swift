import Testing
@testable import Postgres

@Suite struct ConninfoTests {
    @Test func redactionDropsThePassword() throws {
        let text = try Conninfo.redacted("host=10.0.0.100 port=5432 user=pglvsd password=s3cret dbname=postgres")
        #expect(!text.contains("s3cret"))
        #expect(text.contains("host=10.0.0.100"))
        #expect(text.contains("user=pglvsd"))
    }

    @Test func redactionWorksOnURIs() throws {
        let text = try Conninfo.redacted("postgresql://pglvsd:s3cret@10.0.0.100:5432/postgres")
        #expect(!text.contains("s3cret"))
        #expect(text.contains("host=10.0.0.100"))
    }

    @Test func aParseErrorNeverRepeatsTheConninfo() {
        do {
            try Conninfo.validate("host=x password=sec ret")
            Issue.record("a malformed conninfo was accepted")
        } catch {
            #expect(error.code == .invalidConninfo)
            #expect(!error.message.contains("ret"))
            #expect(!error.message.contains("sec"))
            #expect(error.message.hasPrefix("invalid conninfo"))
        }
    }

    @Test func quotedTokensAreMasked() {
        #expect(maskingQuotedText(#"missing "=" after "ret" in connection info string"#)
                == #"missing "…" after "…" in connection info string"#)
    }
}

@Suite struct PostgresErrorTests {
    @Test func theSummaryIsTheFirstLine() {
        let error = PostgresError(code: .connectionLost, message: "server closed the connection unexpectedly\n\tThis probably means the server terminated abnormally")
        #expect(error.summary == "server closed the connection unexpectedly")
    }

    @Test func aLoginTheGuardRefusedSaysWhatToDo() {
        let bound = PostgresError(code: .connectionFailed, message: "connection to server at \"10.0.0.14\", port 5432 failed: channel binding required but not supported by server's authentication request")
        #expect(bound.guardRemedy?.contains("channel_binding=disable") == true)
        #expect(!bound.isServerGone)
        let required = PostgresError(code: .connectionFailed, message: "authentication method requirement \"!password,!md5\" failed: server requested a hashed password")
        #expect(required.guardRemedy?.contains("require_auth=md5,scram-sha-256") == true)
        #expect(PostgresError(code: .connectionFailed, message: "Connection refused").guardRemedy == nil)
    }
}
