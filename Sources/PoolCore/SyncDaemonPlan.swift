import LVSModel

/// What brings the kernel's connection synchronisation daemons to those `ipvs.sync_daemon`
/// asks for. Once configured, pglvsd keeps exactly those: a daemon of a role not asked for is
/// stopped, and one on another interface or syncid is stopped and started again (the kernel
/// cannot change a running daemon).
public struct SyncDaemonPlan: Hashable, Sendable {
    public var stop: [SyncDaemon]
    public var start: [SyncDaemon]

    public var isEmpty: Bool { stop.isEmpty && start.isEmpty }

    public init(current: [SyncDaemon], wanted: [SyncDaemon]) {
        stop = []
        start = []
        for role in SyncDaemon.Role.allCases {
            let running = current.first { $0.role == role }
            let asked = wanted.first { $0.role == role }
            if let running, let asked, running.matches(asked) { continue }
            if let running { stop.append(running) }
            if let asked { start.append(asked) }
        }
    }

    /// The changes in words, for the log: "start master sync daemon on eth1 (syncid 7)".
    public var changes: [String] {
        stop.map { "stop \($0)" } + start.map { "start \($0)" }
    }
}
