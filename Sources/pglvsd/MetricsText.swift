import PoolCore

/// Prometheus text exposition of the pools, written as a node_exporter textfile: no listening
/// port to secure or firewall (the unit allows no extra address family for it), and scraped
/// with the host's other metrics.
struct MetricsSnapshot {
    var writerUp: Bool
    var pools: [(name: String, service: String, result: CycleResult)]
    var lastCycleSeconds: Double
    var cycles: Int
    var kernelOperations: Int
    var kernelErrors: Int

    func render() -> String {
        var lines: [String] = []
        func family(_ name: String, _ type: String, _ help: String) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) \(type)")
        }
        family("pglvsd_writer_up", "gauge", "1 when the writer answered the last poll, 0 while fail-static.")
        lines.append("pglvsd_writer_up \(writerUp ? 1 : 0)")
        family("pglvsd_pool_serving", "gauge", "Real servers with weight above 0, per virtual service.")
        for pool in pools {
            lines.append("pglvsd_pool_serving{\(labels(pool))} \(pool.result.members.filter { $0.weight > 0 }.count)")
        }
        family("pglvsd_pool_members", "gauge", "Real servers in the kernel table (draining included), per virtual service.")
        for pool in pools { lines.append("pglvsd_pool_members{\(labels(pool))} \(pool.result.members.count)") }
        family("pglvsd_real_server_weight", "gauge", "Weight of each real server pglvsd keeps.")
        for pool in pools {
            for member in pool.result.members {
                lines.append("pglvsd_real_server_weight{\(labels(pool)),real_server=\"\(escape("\(member.endpoint)"))\",name=\"\(escape(member.name))\"} \(member.weight)")
            }
        }
        family("pglvsd_real_server_lag_bytes", "gauge", "Replay lag of each real server in bytes, as the writer reports it.")
        for pool in pools {
            for member in pool.result.members {
                guard let lag = member.lagBytes else { continue }
                lines.append("pglvsd_real_server_lag_bytes{\(labels(pool)),real_server=\"\(escape("\(member.endpoint)"))\",name=\"\(escape(member.name))\"} \(lag)")
            }
        }
        family("pglvsd_reconcile_duration_seconds", "gauge", "Duration of the last observe-decide-apply cycle.")
        lines.append("pglvsd_reconcile_duration_seconds \(lastCycleSeconds)")
        family("pglvsd_reconcile_cycles_total", "counter", "Cycles run since start.")
        lines.append("pglvsd_reconcile_cycles_total \(cycles)")
        family("pglvsd_kernel_operations_total", "counter", "IPVS changes applied since start.")
        lines.append("pglvsd_kernel_operations_total \(kernelOperations)")
        family("pglvsd_kernel_errors_total", "counter", "IPVS requests that failed since start.")
        lines.append("pglvsd_kernel_errors_total \(kernelErrors)")
        return lines.joined(separator: "\n") + "\n"
    }

    private func labels(_ pool: (name: String, service: String, result: CycleResult)) -> String {
        "pool=\"\(escape(pool.name))\",virtual_service=\"\(escape(pool.service))\""
    }

    /// A label value as the text format wants it: backslash, quote and line feed escaped.
    private func escape(_ value: String) -> String {
        var escaped = String.UnicodeScalarView()
        // By scalar: "\r\n" is one Character, and its line feed must be escaped too.
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": escaped.append(contentsOf: "\\\\".unicodeScalars)
            case "\"": escaped.append(contentsOf: "\\\"".unicodeScalars)
            case "\n": escaped.append(contentsOf: "\\n".unicodeScalars)
            default: escaped.append(scalar)
            }
        }
        return String(escaped)
    }
}
