/// Trust: what the writer (or the static list) says about a server makes it a candidate, not a
/// member. A server not serving now counts a good observation towards `rise` only when its own
/// probe answered as a standby in the same round; a probe still connecting, or none, teaches
/// nothing. (The writer's rows come from whoever connected with that application_name; the
/// probe is the server itself.) A server already in the pool keeps the writer's verdict while
/// its probe reconnects, so a reload or a slow backend fork does not take it out.
enum ProbeGate {
    static func admit(_ verdict: Verdict, probe: ReplicaProbe?, status: TrackedServer.Status) -> Verdict {
        guard case .good = verdict, status != .inPool else { return verdict }
        if case .standby? = probe { return verdict }
        return .neutral
    }
}
