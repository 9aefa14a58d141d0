import Configuration

/// What a reload changes for the running loop, worked out from the two configurations (and the
/// passwords read for them) alone: which connections are opened again, which pools are
/// dropped, whether the poll timer and the maintenance marks' file change.
struct ConfigurationChange: Hashable {
    /// The writer's settings or the password changed: the writer is connected to again.
    var reconnectsWriter: Bool
    /// What the probes connect with, or how long they wait and back off, changed: every probe
    /// connection is opened again.
    var reconnectsProbes: Bool
    /// The poll interval changed: the timer starts again.
    var reschedulesRounds: Bool
    /// The state directory changed: the marks are read from the new one.
    var movesMaintenanceMarks: Bool
    /// Services that are no longer configured under their name with their key: their pools are
    /// forgotten, their kernel entries left as they are.
    var droppedServices: [VirtualServiceConfiguration]

    init(from old: DaemonConfiguration, password oldPassword: String?,
         to new: DaemonConfiguration, password newPassword: String?) {
        reconnectsWriter = new.writer != old.writer || newPassword != oldPassword
        // The probes use the writer's conninfo when replica_conninfo is not set, the password,
        // and a backoff bounded by the poll interval.
        reconnectsProbes = reconnectsWriter || new.replicaConninfo != old.replicaConninfo
            || new.probeTimeout != old.probeTimeout || new.watchIdleProbes != old.watchIdleProbes
            || new.pollInterval != old.pollInterval
        reschedulesRounds = new.pollInterval != old.pollInterval
        movesMaintenanceMarks = new.stateDirectory != old.stateDirectory
        let kept = Dictionary(new.virtualServices.map { ($0.name, $0.service.key) }, uniquingKeysWith: { first, _ in first })
        droppedServices = old.virtualServices.filter { kept[$0.name] != $0.service.key }
    }
}
