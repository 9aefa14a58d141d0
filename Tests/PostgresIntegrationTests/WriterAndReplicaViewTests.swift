import Foundation
import Testing
@testable import Postgres

/// The Postgres module against real servers with real streaming replication on loopback.
@Suite(.serialized, .enabled(if: LoopbackCluster.directory != nil, LoopbackCluster.skipReason))
struct WriterAndReplicaViewTests {
    @Test func theWriterReportsEveryFieldOfBothReplicas() throws {
        #expect(LoopbackCluster.healthy(), "replicas did not stream and catch up")
        let writer = try PostgresConnection(conninfo: LoopbackCluster.primary)
        let report = try writer.writerReport()
        #expect(report.inRecovery == false)
        #expect(report.timeline == 1)
        #expect(report.serverAddress == "127.0.0.1")
        #expect(report.serverVersion >= 150_000)
        #expect(report.currentPosition != nil, "pg_current_wal_lsn(), for cascaded standbys' lag")
        let senders = report.walSenders.sorted { $0.applicationName < $1.applicationName }
        #expect(senders.map(\.applicationName) == ["replica1", "replica2"])
        for sender in senders {
            #expect(sender.clientAddress == "127.0.0.1")
            #expect(sender.state == "streaming")
            #expect(sender.syncState == "async")
            #expect(sender.isReplica)
            #expect(sender.sentLSN != nil && sender.writeLSN != nil && sender.flushLSN != nil && sender.replayLSN != nil)
            #expect(sender.replayLagBytes == 0)
            #expect(sender.replyTime != nil)
        }
    }

    @Test func aReplicaReportsItselfAsAStreamingStandby() throws {
        #expect(LoopbackCluster.healthy())
        let status = try PostgresConnection(conninfo: LoopbackCluster.replica1).replicaStatus(downstreams: true)
        #expect(status.inRecovery)
        #expect(status.receiverStreaming)
        #expect(status.receiverTimeline == 1)
        #expect(status.replayLSN.flatMap(WALPosition.init) != nil)
        #expect(status.downstreams.isEmpty, "nothing streams from replica1")
        let primary = try PostgresConnection(conninfo: LoopbackCluster.primary).replicaStatus(downstreams: true)
        #expect(primary.inRecovery == false)
        #expect(primary.receiverStreaming == false)
        #expect(primary.receiverStatus == nil)
        // The probe's query reads the server's own pg_stat_replication: on the primary, both
        // replicas, each with its replay position.
        #expect(primary.downstreams.map(\.applicationName).sorted() == ["replica1", "replica2"])
        #expect(primary.downstreams.allSatisfy { $0.replayLSN.flatMap(WALPosition.init) != nil && $0.state == "streaming" })
        #expect(try PostgresConnection(conninfo: LoopbackCluster.primary).replicaStatus().downstreams.isEmpty,
                "not read unless asked for")
    }

    /// On a TCP session with the settings at 0 the server reports the socket's own keepalive
    /// timing, the OS defaults; a setting for the session is what it then reports.
    @Test func aReplicaReportsTheKeepalivesOfATCPSession() throws {
        func osDefault(_ name: String) throws -> Int? {
            Int(try String(contentsOfFile: "/proc/sys/net/ipv4/\(name)", encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let status = try PostgresConnection(conninfo: LoopbackCluster.replica1).replicaStatus()
        #expect(status.keepalivesIdleSeconds == (try osDefault("tcp_keepalive_time")))
        #expect(status.keepalivesIntervalSeconds == (try osDefault("tcp_keepalive_intvl")))
        let tuned = try PostgresConnection(conninfo: LoopbackCluster.replica1
                                           + " options='-c tcp_keepalives_idle=5 -c tcp_keepalives_interval=3'").replicaStatus()
        #expect(tuned.keepalivesIdleSeconds == 5)
        #expect(tuned.keepalivesIntervalSeconds == 3)
    }

    @Test func pausedReplayShowsAsByteLagOnTheWriter() throws {
        #expect(LoopbackCluster.healthy())
        let replica = try PostgresConnection(conninfo: LoopbackCluster.replica1)
        let writer = try PostgresConnection(conninfo: LoopbackCluster.primary)
        _ = try replica.query("SELECT pg_wal_replay_pause()")
        defer { _ = try? replica.query("SELECT pg_wal_replay_resume()") }
        _ = try writer.query("DROP TABLE IF EXISTS lag_probe")
        _ = try writer.query("CREATE TABLE lag_probe AS SELECT g, repeat('x', 200) AS filler FROM generate_series(1, 20000) g")
        var lagging: WalSender?
        let lagged = LoopbackCluster.eventually(15) {
            lagging = try writer.writerReport().walSenders.first { $0.applicationName == "replica1" }
            return (lagging?.replayLagBytes ?? 0) > 2 * 1024 * 1024
        }
        #expect(lagged, "replica1's byte lag never passed 2 MiB: \(String(describing: lagging))")
        #expect(lagging?.state == "streaming")
        #expect(LoopbackCluster.eventually(15) {
            try writer.writerReport().walSenders.first { $0.applicationName == "replica2" }?.replayLagBytes == 0
        }, "replica2 should catch up while replica1 is paused")
        _ = try replica.query("SELECT pg_wal_replay_resume()")
        #expect(LoopbackCluster.eventually(15) {
            try writer.writerReport().walSenders.first { $0.applicationName == "replica1" }?.replayLagBytes == 0
        }, "replica1 did not catch up after resume")
    }

    @Test func aWriterConninfoThatReachesAStandbyIsReportedAsSuch() throws {
        let report = try PostgresConnection(conninfo: LoopbackCluster.replica2).writerReport()
        #expect(report.inRecovery)
        #expect(report.timeline == nil)
        #expect(report.walSenders.isEmpty)
    }

    @Test func aKilledReplicaIsGoneOnItsOpenConnection() throws {
        #expect(LoopbackCluster.healthy())
        let probe = try PostgresConnection(conninfo: LoopbackCluster.replica2)
        #expect(try probe.replicaStatus().inRecovery)
        let restore = try LoopbackCluster.killPostmaster("replica2")
        defer { restore() }
        var failure: PostgresError?
        let noticed = LoopbackCluster.eventually(10) {
            do {
                _ = try probe.replicaStatus()
                return false
            } catch let error as PostgresError {
                failure = error
                return true
            }
        }
        #expect(noticed, "the open connection kept answering after the postmaster died")
        #expect(failure?.isServerGone == true, "not classified as gone: \(String(describing: failure))")
        // By libpq's data, not its words: a shutdown code, or the connection found broken.
        #expect(failure?.connectionBroken == true || failure?.sqlState?.hasPrefix("57P") == true, "\(String(describing: failure))")
        // A new connection is refused: also gone, not merely slow.
        do {
            _ = try PostgresConnection(conninfo: LoopbackCluster.replica2)
            Issue.record("a connection to a dead replica succeeded")
        } catch {
            #expect(error.isServerGone, "refused connection not classified as gone: \(error)")
        }
    }

    @Test func aStoppedPrimaryIsGone() throws {
        #expect(LoopbackCluster.healthy())
        let writer = try PostgresConnection(conninfo: LoopbackCluster.primary)
        try LoopbackCluster.pgctl(["-D", LoopbackCluster.dataDirectory("primary"), "-m", "fast", "-w", "stop"])
        defer {
            try? LoopbackCluster.start("primary")
            _ = LoopbackCluster.healthy()
        }
        do {
            _ = try writer.writerReport()
            Issue.record("a stopped primary answered")
        } catch {
            #expect(error.isServerGone, "\(error)")
            #expect(error.code == .connectionLost)
            #expect(error.connectionBroken || error.sqlState == "57P01", "\(error)")
        }
        do {
            _ = try PostgresConnection(conninfo: LoopbackCluster.primary)
            Issue.record("a connection to a stopped primary succeeded")
        } catch {
            #expect(error.isServerGone, "\(error)")
            #expect(error.code == .connectionFailed)
        }
    }
}

