import CSystemd

/// What the daemon tells systemd through NOTIFY_SOCKET (sd_notify(3)).
public enum NotifyState: Hashable, Sendable {
    /// Start-up is complete (Type=notify units become active).
    case ready
    /// A configuration reload begins; `ready` ends it.
    case reloading
    /// Shutdown begins.
    case stopping
    /// One line for `systemctl status`.
    case status(String)
    /// The watchdog keep-alive.
    case watchdog

    var assignment: String {
        switch self {
        case .ready: return "READY=1"
        case .reloading: return "RELOADING=1"
        case .stopping: return "STOPPING=1"
        case .status(let text): return "STATUS=" + text.replacingNewlines()
        case .watchdog: return "WATCHDOG=1"
        }
    }
}

/// The systemd service manager, as seen from the service (no-ops when not run by systemd).
public enum ServiceManager {
    /// Sends the states in one datagram. Returns false when there is no NOTIFY_SOCKET.
    @discardableResult
    public static func notify(_ states: NotifyState...) -> Bool {
        notify(states)
    }

    @discardableResult
    public static func notify(_ states: [NotifyState]) -> Bool {
        let text = states.map(\.assignment).joined(separator: "\n")
        return sd_notify(0, text) > 0
    }

    /// The watchdog interval systemd expects keep-alives within (WatchdogSec=), if enabled for us.
    public static var watchdogIntervalMicroseconds: UInt64? {
        var microseconds: UInt64 = 0
        return sd_watchdog_enabled(0, &microseconds) > 0 ? microseconds : nil
    }
}

extension String {
    func replacingNewlines() -> String {
        String(map { $0.isNewline ? " " : $0 })
    }
}
