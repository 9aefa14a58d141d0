import Testing
@testable import Postgres

/// A server gone (refused, shut down, crashed, its connection closed) against one merely slow
/// or refusing a login: by SQLSTATE first, then libpq's connection status, and by text only at
/// connect time, where libpq gives neither.
@Suite struct ServerGoneTests {
    /// Words no rule knows (a translated server, say): only the code or the status decides.
    private static let unknownWords = "Verbindung zum Server verloren"

    @Test(arguments: ["57P01", "57P02", "57P03", "08006", "08003"])
    func aShutdownCrashOrConnectionExceptionCodeIsGone(_ state: String) {
        #expect(PostgresError(code: .connectionLost, message: ServerGoneTests.unknownWords, sqlState: state).isServerGone)
        #expect(PostgresError(code: .connectionFailed, message: ServerGoneTests.unknownWords, sqlState: state).isServerGone)
    }

    @Test func aQueryTheServerRejectedIsNotGoneWhateverItsCode() {
        #expect(!PostgresError(code: .queryFailed, message: "terminating connection due to administrator command", sqlState: "57P01").isServerGone)
    }

    @Test func aConnectionLibpqFoundBrokenIsGoneWhateverItsWords() {
        #expect(PostgresError(code: .connectionLost, message: ServerGoneTests.unknownWords, connectionBroken: true).isServerGone)
    }

    /// libpq 15 words a server's close under TLS (the default sslmode=prefer against Debian's
    /// ssl = on) as SSL errors; the connection's status says what they mean.
    @Test func aCloseUnderTLSIsGone() {
        for message in ["SSL connection has been closed unexpectedly", "SSL SYSCALL error: EOF detected",
                        "SSL error: unexpected eof while reading"] {
            #expect(PostgresError(code: .connectionLost, message: message, connectionBroken: true).isServerGone, "\(message)")
            // During the TLS handshake, at connect, only the words tell.
            #expect(PostgresError(code: .connectionFailed, message: message).isServerGone, "\(message)")
        }
        #expect(!PostgresError(code: .connectionFailed, message: "SSL error: certificate verify failed").isServerGone)
    }

    /// The channel's own refusals ("channel closed", a request already running) and any
    /// lost-connection text on a connection libpq still holds OK are no news about the server.
    @Test func aLostConnectionLibpqStillHoldsIsNotGoneByItsWords() {
        #expect(!PostgresError(code: .connectionLost, message: "channel closed").isServerGone)
        #expect(!PostgresError(code: .connectionLost, message: "server closed the connection unexpectedly").isServerGone)
    }

    /// A live server's own FATAL ends the connection (libpq then finds it broken) but says the
    /// server is there: a protocol violation, a recovery conflict, an idle-session timeout, a
    /// dropped database. Taking it for gone would remove a healthy standby at once, undrained.
    @Test(arguments: ["08P01", "40001", "57P05", "57P04", "25P03"])
    func aLiveServersOwnFatalIsNotGone(_ state: String) {
        #expect(!PostgresError(code: .connectionLost, message: ServerGoneTests.unknownWords, sqlState: state,
                               connectionBroken: true).isServerGone)
    }

    /// 57P03's other wordings at connect: a crash restart, a standby not yet consistent.
    @Test func aServerNotAcceptingConnectionsIsGoneAtConnect() {
        for words in ["the database system is in recovery mode", "the database system is not yet accepting connections",
                      "the database system is not accepting connections"] {
            #expect(PostgresError(code: .connectionFailed, message: "connection to server at \"10.0.0.13\", port 5432 failed: FATAL:  \(words)").isServerGone)
        }
    }

    @Test func aRefusedConnectIsGoneByItsErrnoText() {
        #expect(PostgresError(code: .connectionFailed, message: "connection to server at \"10.0.0.13\", port 5432 failed: Connection refused").isServerGone)
        #expect(PostgresError(code: .connectionFailed, message: "connection to server at \"10.0.0.13\", port 5432 failed: FATAL:  the database system is starting up").isServerGone)
    }

    @Test func aTimeoutOrAFailedLoginIsNotGone() {
        #expect(!PostgresError(code: .connectionFailed, message: "connection to server at \"10.0.0.100\", port 5432 failed: timeout expired").isServerGone)
        #expect(!PostgresError(code: .timedOut, message: "no answer from the server in time", connectionBroken: true).isServerGone)
        #expect(!PostgresError(code: .connectionFailed, message: "password authentication failed for user \"pglvsd\"", sqlState: "28P01").isServerGone)
    }
}
