import Testing
import TestSupport
@testable import Postgres

/// Whoever answers at the writer VIP or a probed address shapes the result: any columns, in any
/// number, any text. The writer report and the replica status are parsed or refused with a
/// PostgresError, never a trap.
@Suite struct QueryResultFuzzTests {
    static let writerColumns = ["in_recovery", "server_addr", "timeline", "pid", "application_name", "client_addr", "state",
                                "sync_state", "sent_lsn", "write_lsn", "flush_lsn", "replay_lsn", "replay_lag_bytes",
                                "replay_lag_seconds", "reply_time"]
    static let replicaColumns = ["in_recovery", "replay_delay", "replay_lsn", "receiver_status", "keepalives_idle",
                                 "keepalives_interval"]
    static let otherColumns = ["", "?column?", "PID", "in_recovery ", "pg_is_in_recovery", "x\u{0}", "\u{202E}state", "🐘"]

    static let hostileValues: [String] = [
        "", "t", "f", "true", "false", "T", "1", "0", "-0", "+1", " 1", "1 ", "01", "0x10", "1e3", "1.0",
        "2147483647", "2147483648", "-2147483648", "-2147483649", "4294967296",
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
        "99999999999999999999999999999999", "nan", "NaN", "-nan", "inf", "-inf", "infinity", "Infinity", "1e308", "1e309",
        "-1e309", "4.9e-324", "1e-400", "0x1p-1074", "0/0", "0/74ABA88", "FFFFFFFF/FFFFFFFF", "100000000/0", "0/", "/0", "/",
        "x/y", "-1/-1", "0/74ABA88/1", "2026-11-25 14:45:29.4+00", "infinity", "-infinity", "0000-00-00", "epoch",
        "streaming", "catchup", "startup", "backup", "stopping", "async", "sync", "potential", "quorum", "Streaming",
        "10.0.0.12", "::1", "fe80::1%eth0", "10.0.0.300", "node2", "a\u{0}b", "a\u{202E}b", "a\u{1B}[2Jb", "\n", "é",
        String(repeating: "9", count: 1_000), String(repeating: "a", count: 10_000),
    ]

    /// What PostgreSQL itself puts in each column, so that many rows get past the first check.
    static let typicalValues: [String: [String]] = [
        "in_recovery": ["t", "f"], "server_addr": ["10.0.0.100", "::1"], "timeline": ["1", "2", "4294967295"],
        "pid": ["4242", "77", "2147483647"], "application_name": ["node2", "10.0.0.14", "walreceiver"],
        "client_addr": ["10.0.0.12", "fd00::12"], "state": ["streaming", "catchup", "backup"],
        "sync_state": ["async", "sync", "potential", "quorum"], "sent_lsn": ["0/74ABA88"], "write_lsn": ["0/74ABA88"],
        "flush_lsn": ["0/74ABA88"], "replay_lsn": ["0/74A0000", "FFFFFFFF/FFFFFFFF"], "replay_lag_bytes": ["0", "43656"],
        "replay_lag_seconds": ["0.002", "12.5"], "reply_time": ["2026-11-25 14:45:29.4+00"], "replay_delay": ["0.25", "-3"],
        "receiver_status": ["streaming", "stopping", "waiting"], "keepalives_idle": ["7200", "0", "5"],
        "keepalives_interval": ["75", "0", "2h"],
    ]

    struct Input: CustomDebugStringConvertible {
        var result: QueryResult
        var serverVersion: Int
        var debugDescription: String { "version \(serverVersion), columns \(result.columns), rows \(result.rows)" }
    }

    static func input(_ random: inout SeededGenerator) -> Input {
        let known = random.oneIn(2) ? writerColumns : replicaColumns
        var columns: [String]
        switch random.below(4) {
        case 0: columns = (0..<random.below(20)).map { _ in random.pick(known + otherColumns) }
        case 1: columns = known.filter { _ in !random.oneIn(4) }
        default: columns = known
        }
        for _ in 0..<random.below(3) where !columns.isEmpty {
            switch random.below(3) {
            case 0: columns.insert(random.pick(columns), at: random.below(columns.count + 1))
            case 1: columns.swapAt(random.below(columns.count), random.below(columns.count))
            default: columns.remove(at: random.below(columns.count))
            }
        }
        let rows: [[String?]] = (0..<random.pick([0, 1, 1, 2, 3, 8])).map { _ in
            let count = random.oneIn(5) ? random.below(columns.count + 3) : columns.count
            return (0..<count).map { position in
                let typical = position < columns.count ? typicalValues[columns[position]] : nil
                switch random.below(10) {
                case 0, 1: return nil
                case 2: return String(decoding: random.bytes(random.below(12)), as: UTF8.self)
                case 3, 4, 5: return random.pick(hostileValues)
                default: return typical.map { random.pick($0) } ?? random.pick(hostileValues)
                }
            }
        }
        let version = random.pick([0, -1, 90_600, 100_000, 120_000, 150_018, 170_000, Int.max, Int.min])
        return Input(result: QueryResult(columns: columns, rows: rows), serverVersion: version)
    }

    @Test func anyResultParsesOrIsRefused() async {
        // How far inputs get: reports that name a replica, statuses read.
        var (replicas, statuses) = (0, 0)
        let outcome = await Fuzz.run("writer report and replica status", inputs: 20_000, generate: QueryResultFuzzTests.input) { input in
            do {
                let report = try PostgresConnection.writerReport(from: input.result, serverVersion: input.serverVersion)
                if report.walSenders.count > input.result.rows.count { return "more WAL senders than rows" }
                if report.walSenders.contains(where: \.isReplica) { replicas += 1 }
            } catch let error as PostgresError {
                if error.message.isEmpty { return "a writer report error without a message" }
            } catch {
                return "writerReport threw \(error)"
            }
            do {
                _ = try PostgresConnection.replicaStatus(from: input.result)
                statuses += 1
            } catch let error as PostgresError {
                if error.message.isEmpty { return "a replica status error without a message" }
            } catch {
                return "replicaStatus threw \(error)"
            }
            for index in input.result.rows.indices {
                _ = WalSender.parse(input.result.row(index))
            }
            _ = PostgresConnection.writerReportSQL(serverVersion: input.serverVersion)
            return nil
        }
        print("fuzz writer report and replica status: \(replicas) reports with a replica, \(statuses) replica statuses read")
        #expect(outcome.failures.isEmpty, "\(outcome.failures)")
        #expect(outcome.inputs < 1_000 || (replicas > outcome.inputs / 50 && statuses > outcome.inputs / 10),
                "few results parse: the generator needs work")
    }
}
