import Configuration
import Foundation
import Testing
@testable import pglvsd

private let minimal = """
    writer:
      conninfo: "host=10.0.0.100 dbname=postgres user=pglvsd"
    virtual_services:
      - address: 10.0.0.200
        port: 5432
    """

/// What is at a configured path is never trusted: a FIFO, a device or a huge file is an
/// error that names it, promptly, never a hang or an abort.
@Suite struct ConfigFileTests {
    private func problems(_ path: String) -> [String]? {
        within(seconds: 2) {
            do throws(ConfigurationError) {
                _ = try ConfigFile.load(path: path)
                return []
            } catch {
                return error.problems.map(\.description)
            }
        }
    }

    @Test func aFIFOAsTheConfigurationIsRefusedAtOnce() throws {
        let directory = try TemporaryDirectory()
        let fifo = directory.path + "/pglvsd.yaml"
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(problems(fifo) == ["cannot read \(fifo): not a regular file (a FIFO)"])
    }

    @Test func aDeviceAsTheConfigurationIsRefused() {
        #expect(problems("/dev/zero") == ["cannot read /dev/zero: not a regular file (a character device)"])
    }

    @Test func aConfigurationOverOneMebibyteIsRefused() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.file("pglvsd.yaml", minimal + "\n#" + String(repeating: "x", count: 1 << 20))
        #expect(problems(path) == ["cannot read \(path): larger than 1 MiB"])
    }

    @Test func aFIFOOrADeviceAsThePassfileIsRefusedAtOnce() throws {
        let directory = try TemporaryDirectory()
        let fifo = directory.path + "/pgpass"
        #expect(mkfifo(fifo, 0o600) == 0)
        for (passfile, kind) in [(fifo, "a FIFO"), ("/dev/zero", "a character device")] {
            let path = try directory.file("pglvsd.yaml", minimal.replacingOccurrences(
                of: "user=pglvsd\"", with: "user=pglvsd passfile=\(passfile)\""))
            #expect(problems(path) == ["writer.conninfo: passfile \(passfile) cannot be read: not a regular file (\(kind))"])
        }
    }

    @Test func aFIFOADeviceOrAHugeFileAsThePasswordFileIsRefused() throws {
        let directory = try TemporaryDirectory()
        let fifo = directory.path + "/password"
        #expect(mkfifo(fifo, 0o600) == 0)
        let huge = try directory.file("huge", String(repeating: "p", count: 5000))
        for (file, reason) in [(fifo, "not a regular file (a FIFO)"), ("/dev/zero", "not a regular file (a character device)"),
                               (huge, "larger than 4 KiB")] {
            let path = try directory.file("pglvsd.yaml", minimal.replacingOccurrences(
                of: "writer:\n", with: "writer:\n  password_file: \(file)\n"))
            #expect(problems(path) == ["writer.password_file: \(file): \(reason)"])
            #expect(within(seconds: 2) { "\(ConfigFile.password(file))" } == "failure(\(reason))")
        }
    }

    @Test func aPrivatePasswordFileGivesItsFirstLine() throws {
        let directory = try TemporaryDirectory()
        let file = try directory.file("password", "S3cret\r\nignored\n")
        #expect(try ConfigFile.password(file).get() == "S3cret")
        let shared = try directory.file("shared", "S3cret\n", mode: 0o644)
        #expect("\(ConfigFile.password(shared))" == "failure(group or others may access it (mode 644); chmod 0600)")
    }
}
