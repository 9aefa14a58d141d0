import LVSModel

/// How many servers a round may probe: each probe holds a connection (a descriptor, a backend
/// on the server), and a writer listing thousands of rows must not exhaust either. Servers
/// already tracked (in a pool or draining) come first, then the others in address order, so the
/// same servers keep their probes from round to round; servers only other standbys name
/// (cascade) come last, so one standby's rows cannot crowd out the writer's. 512: room for the
/// scaling benchmark's 300 servers (Benchmarks/scale), and with the daemon's other descriptors
/// still well under the 1024 a service gets as its soft RLIMIT_NOFILE.
enum ProbeBudget {
    static let maximumServers = 512

    static func select(_ candidates: Set<SocketEndpoint>, tracked: Set<SocketEndpoint>, last: Set<SocketEndpoint> = [],
                       limit: Int = maximumServers) -> (probed: Set<SocketEndpoint>, left: Int) {
        guard candidates.count > limit else { return (candidates, 0) }
        let first = candidates.intersection(tracked).sorted()
        let rest = candidates.subtracting(tracked)
        let chosen = Set((first + rest.subtracting(last).sorted() + rest.intersection(last).sorted()).prefix(limit))
        return (chosen, candidates.count - chosen.count)
    }
}
