import LVSModel

/// One real server's rows in the writer's pg_stat_replication: the one it is judged on, and
/// the others that resolve to the same endpoint.
struct ServerRows {
    var endpoint: SocketEndpoint
    var chosen: ReplicaObservation
    var others: [ReplicaObservation]

    var identity: ServerIdentity {
        ServerIdentity(address: endpoint.address, preferred: chosen.name, others: others.map(\.name))
    }
}

/// Several rows can resolve to one real server: the walsender of a standby's previous
/// connection that wal_sender_timeout has not ended yet beside its new one, a second
/// application_name, a row named by the server's address. The server is judged once, on the
/// row with the best evidence of its state; neither row order nor name order decides.
enum RowChoice {
    /// The rows that have an address, grouped by the real server they resolve to, in endpoint order.
    static func byServer(_ rows: [ReplicaObservation], policy: PoolPolicy) -> [ServerRows] {
        var groups: [SocketEndpoint: [ReplicaObservation]] = [:]
        for row in rows {
            guard let address = row.address else { continue }
            groups[SocketEndpoint(address: address, port: policy.realServerPort), default: []].append(row)
        }
        return groups.map { endpoint, rows in
            let ranked = rows.sorted { rank($0, policy) < rank($1, policy) }
            return ServerRows(endpoint: endpoint, chosen: ranked[0], others: Array(ranked.dropFirst()))
        }.sorted { $0.endpoint < $1.endpoint }
    }

    /// Better evidence first: an accepted state (streaming before the others), an accepted
    /// sync_state, then the least replay lag — a standby's replay position only moves forward,
    /// so a stale walsender's row is the one behind. A row without a replay position comes
    /// after one with it. The name and the rest of the row break ties, so equal rows are the
    /// same row.
    private static func rank(_ row: ReplicaObservation, _ policy: PoolPolicy)
        -> (standing: Int, lagUnknown: Int, lagBytes: Int64, lagSeconds: Double, name: String, rest: String) {
        let state = policy.acceptedStates.contains(row.state) ? (row.state == "streaming" ? 0 : 1) : 2
        let sync = policy.acceptedSyncStates.contains(row.syncState) ? 0 : 1
        // NaN compares with nothing; an unknown lag in seconds ranks as the longest.
        let seconds = row.replayLagSeconds.map { $0.isNaN ? .infinity : $0 } ?? 0
        // A replay position ahead of the writer's (negative lag) is no evidence at all: last.
        let bytes = row.replayLagBytes.map { $0 < 0 ? Int64.max : $0 }
        return (state * 2 + sync, bytes == nil ? 1 : 0, bytes ?? 0, seconds, row.name,
                "\(row.state) \(row.syncState) \(String(describing: row.replayLagSeconds))")
    }
}
