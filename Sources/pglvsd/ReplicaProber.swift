import Dispatch
import LVSModel
import Logging
import PoolCore
import Postgres

/// Keeps one connection per candidate replica and asks each for its own view
/// (pg_is_in_recovery(), last replay), all at once and without blocking. Two deadlines: a
/// round's observation of a server ends at the probe timeout (a query on an open connection
/// that has not answered by then is a failed observation; a connection still being set up is
/// no observation yet), while the request itself may run on to a hard limit before the
/// connection is dropped, so a server slow to fork a backend is not reconnected forever.
/// Idle connections are watched, so a replica whose postmaster dies is reported at once.
/// Reconnects back off (bounded), and each connection's state changes are logged once.
///
/// Confined to `queue`, asserted by dispatchPrecondition.
final class ReplicaProber: @unchecked Sendable {
    private let conninfo: String
    private let password: String?
    private let queue: DispatchQueue
    private let logger: Logger
    private let observationTimeout: Int
    private let requestTimeout: Int
    private let watchIdle: Bool
    /// The longest pause between reconnect attempts to a server that keeps failing.
    private let maximumBackoff: Double
    /// How many connections may be in setup at once. Each setup forks a backend and runs TLS
    /// and SCRAM: hundreds started together on a loaded host all miss their deadline, are
    /// dropped and start again together, round after round, and none ever connects.
    private let maximumConnecting: Int
    /// Called (on the queue) when something arrives on an idle probe connection: its server is
    /// going away.
    var onStirred: (@Sendable (SocketEndpoint, _ farewell: String?) -> Void)?
    private var links: [SocketEndpoint: Link] = [:]
    /// Ask each standby for the standbys streaming from it too (some service cascades).
    var readsDownstreams = false

    /// One replica's connection and its recent history.
    private struct Link {
        var channel: PostgresChannel
        /// Consecutive failed attempts; the back-off grows with it.
        var failures = 0
        var retryAt = 0.0
        var lastFailure: ReplicaProbe?
        /// What was last logged about this connection, so each change is logged once.
        var loggedState: String?
        /// The round waiting for this server's running request, if any.
        var waiter: (@Sendable (ReplicaProbe) -> Void)?
        /// Its last answer (kept through failures: read it for servers answering this round).
        var status: ReplicaStatus?
        /// When its last connection setup began (the round's clock): setups waiting their turn
        /// go least recent first, so servers that hang every setup cannot keep the others out.
        var lastSetup = -Double.infinity
        /// When a round last judged the running request silent ("no answer within"): the next
        /// round's verdict on the same request comes one probe timeout after it, not one after
        /// that round's start, so `fall` verdicts take `fall` probe timeouts of silence (a cut
        /// network) and not the fast rounds' gaps on top.
        var silentSince: ContinuousClock.Instant?
    }

    /// Each probed server's keepalive timing for client sessions, as it last reported it.
    var keepalives: [SocketEndpoint: ServerKeepalive] {
        links.compactMapValues { link in
            link.status?.keepalivesIdleSeconds.map {
                ServerKeepalive(idleSeconds: $0, intervalSeconds: link.status?.keepalivesIntervalSeconds)
            }
        }
    }

    /// Each answering server's last account of itself (its WAL receiver, the standbys
    /// streaming from it): what cascade discovery reads.
    var statuses: [SocketEndpoint: ReplicaStatus] {
        links.compactMapValues(\.status)
    }

    /// - Parameters:
    ///   - timeoutMilliseconds: the observation deadline (probe_timeout).
    ///   - queue: the loop's serial queue; completions and socket events arrive on it.
    init(conninfo: String, password: String?, timeoutMilliseconds: Int, watchIdle: Bool, maximumBackoffSeconds: Double,
         maximumConnecting: Int = 8, queue: DispatchQueue, logger: Logger) {
        self.maximumConnecting = maximumConnecting
        self.conninfo = conninfo
        self.password = password
        self.observationTimeout = timeoutMilliseconds
        // Connecting means forking a backend, which takes a second on a loaded (or emulated)
        // host; like libpq's connect_timeout, give it 2 s.
        self.requestTimeout = max(2000, 4 * timeoutMilliseconds)
        self.watchIdle = watchIdle
        self.maximumBackoff = maximumBackoffSeconds
        self.queue = queue
        self.logger = logger
    }

    /// Servers whose connection is being set up now (a request running on a connection not yet made).
    var settingUp: Set<SocketEndpoint> {
        Set(links.filter { $0.value.channel.isBusy && !$0.value.channel.isConnected }.keys)
    }

    var connecting: Int { settingUp.count }

    /// Closes every connection (the prober is being replaced or the daemon stops). A round
    /// waiting for a request of this prober is answered now — with no observation, or the
    /// server's last failure — since the request's own end, and its deadline, will never reach
    /// a prober that is gone: a reload in the middle of a round must not stop the loop.
    func close() {
        dispatchPrecondition(condition: .onQueue(queue))
        let waiting = links.values.compactMap { link in link.waiter.map { ($0, link.lastFailure ?? .connecting) } }
        links.values.forEach { $0.channel.close() }
        links = [:]
        // Later on the queue: the caller (a reload) finishes changing the loop's state before the
        // round it was in decides.
        for (waiter, answer) in waiting { queue.async { waiter(answer) } }
    }

    /// Closes the connections of servers no longer candidates.
    func keep(only endpoints: Set<SocketEndpoint>) {
        dispatchPrecondition(condition: .onQueue(queue))
        for (endpoint, link) in links where !endpoints.contains(endpoint) && !link.channel.isBusy {
            link.channel.close()
            links[endpoint] = nil
        }
    }

    /// Probes every endpoint at once; `completion` runs on the queue when each has answered,
    /// failed, or reached the observation deadline. A server in its reconnect back-off is not
    /// contacted: its last failure stands. Connection setups beyond `maximumConnecting` wait
    /// for a later round, answering "connecting" (nothing new learned), except for `tracked`
    /// servers (in a pool: a dead one must be seen at once) and in a `patient` round (there is
    /// no later round). Not sooner: started as earlier setups end, 300 servers' setups kept a
    /// loaded host forking backends without pause, every request slowed past its deadline and
    /// the pools never filled (the scaling run of 2026-11-27).
    /// - Parameter patient: wait for each request's own end (for a single `once` round).
    func probe(_ endpoints: Set<SocketEndpoint>, tracked: Set<SocketEndpoint> = [], now: Double, patient: Bool = false,
               completion: @escaping @Sendable ([SocketEndpoint: ReplicaProbe]) -> Void) {
        dispatchPrecondition(condition: .onQueue(queue))
        let batch = ProbeBatch(expected: endpoints.count, queue: queue, completion: completion)
        if endpoints.isEmpty { return queue.async { batch.finish() } }
        var setups = connecting
        let ordered = endpoints.sorted { a, b in
            let (first, second) = (tracked.contains(a), tracked.contains(b))
            return first != second ? first : leastRecentlySetUp(a, b)
        }
        for endpoint in ordered {
            var link = links[endpoint] ?? Link(channel: makeChannel(endpoint))
            if !link.channel.isBusy {
                if !link.channel.isConnected, now < link.retryAt, let failure = link.lastFailure {
                    links[endpoint] = link
                    queue.async { batch.add(endpoint, failure) }
                    continue
                }
                if !link.channel.isConnected {
                    guard setups < maximumConnecting || tracked.contains(endpoint) || patient else {
                        links[endpoint] = link
                        queue.async { batch.add(endpoint, .connecting) }
                        continue
                    }
                    setups += 1
                    link.lastSetup = now
                }
                link.silentSince = nil
                ask(endpoint, &link, now: now)
            }
            // One answer per round: the request's, or the deadline's verdict, whichever is first.
            let answered = FirstAnswer(queue: queue)
            let deliver: @Sendable (ReplicaProbe) -> Void = { probe in
                if answered.first() { batch.add(endpoint, probe) }
            }
            link.waiter = deliver
            links[endpoint] = link
            if patient { continue }
            let timeout = Duration.milliseconds(observationTimeout)
            let deadline = link.silentSince.map { $0 + timeout - .now } ?? timeout
            queue.asyncAfter(deadline: .now() + deadline.dispatchInterval) { [weak self] in
                guard let self, let link = self.links[endpoint], link.channel.isBusy else { return }
                // An established connection that does not answer in time is a failed
                // observation. A first connection still being set up (or its new backend
                // answering its first query) has told nothing yet, and the hard limit ends it if
                // it hangs; a reconnect after failures is still failing until it succeeds (a
                // partitioned replica stays "streaming" on the writer for wal_sender_timeout).
                if link.channel.isConnected && link.channel.isEstablished {
                    // Only a verdict this round takes starts the silence (an older round's
                    // deadline firing on a newer request must not).
                    guard answered.first() else { return }
                    self.links[endpoint]?.silentSince = .now
                    batch.add(endpoint, .unreachable("no answer within \(self.observationTimeout)ms"))
                } else {
                    deliver(link.lastFailure ?? .connecting)
                }
            }
        }
    }

    /// Keeps a connection to each of `endpoints`, which no round waits for (servers that left a
    /// pool lately, `RoundDecider.recentlyDeparted`): one not connected is set up again when its
    /// back-off allows, and nothing is asked of one already up. Its answer only updates the
    /// link, so the round that next probes it finds the connection made. Warm setups take at
    /// most half the setup slots, least recently tried first: dead departed servers (each setup
    /// hanging to the hard limit) must not keep a new replica's setup waiting.
    func warm(_ endpoints: Set<SocketEndpoint>, now: Double) {
        dispatchPrecondition(condition: .onQueue(queue))
        var setups = connecting
        let due = endpoints.filter { endpoint in
            guard let link = links[endpoint] else { return true }
            return !link.channel.isBusy && !link.channel.isConnected && now >= link.retryAt
        }.sorted(by: leastRecentlySetUp)
        for endpoint in due where setups < maximumConnecting / 2 {
            var link = links[endpoint] ?? Link(channel: makeChannel(endpoint))
            setups += 1
            link.lastSetup = now
            link.silentSince = nil
            ask(endpoint, &link, now: now)
            links[endpoint] = link
        }
    }

    /// Setups take turns: the server whose last setup began earliest first (never tried: first of all).
    private func leastRecentlySetUp(_ a: SocketEndpoint, _ b: SocketEndpoint) -> Bool {
        let (setupA, setupB) = (links[a]?.lastSetup ?? -.infinity, links[b]?.lastSetup ?? -.infinity)
        return setupA != setupB ? setupA < setupB : a < b
    }

    /// Whether a request to `endpoint` runs now (setting up or asking).
    func isAsking(_ endpoint: SocketEndpoint) -> Bool {
        dispatchPrecondition(condition: .onQueue(queue))
        return links[endpoint]?.channel.isBusy == true
    }

    /// Starts the server's request; its end settles it. `now`: the round's clock when asked.
    private func ask(_ endpoint: SocketEndpoint, _ link: inout Link, now: Double) {
        let started = ContinuousClock.now
        link.channel.replicaStatus(timeout: .milliseconds(requestTimeout), downstreams: readsDownstreams) { [weak self] outcome in
            // The back-off counts from the request's end, not the round's start: a setup that
            // hangs to the hard limit must not be due again the moment it fails.
            self?.settle(endpoint, outcome, now: now + (ContinuousClock.now - started).seconds)
        }
    }

    private func makeChannel(_ endpoint: SocketEndpoint) -> PostgresChannel {
        let address = endpoint.address.description
        let settings = ConnectionSettings(conninfo: conninfo, applicationName: "pglvsd-probe", password: password,
                                          overrides: [.init("host", address), .init("hostaddr", address),
                                                      .init("port", "\(endpoint.port)")],
                                          refusesPasswordInClear: true)
        let channel = PostgresChannel(settings, queue: queue)
        channel.watchesIdleSocket = watchIdle
        channel.onIdleInput = { [weak self, unowned channel] in self?.onStirred?(endpoint, channel.idleFarewell) }
        return channel
    }

    /// Turns an answer into a probe result for the waiting round, updates the back-off and
    /// logs state changes.
    private func settle(_ endpoint: SocketEndpoint, _ outcome: Result<ReplicaStatus, PostgresError>, now: Double) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard var link = links[endpoint] else { return }
        let probe: ReplicaProbe
        let state: String
        switch outcome {
        case .success(let status):
            probe = status.inRecovery ? .standby(replayDelaySeconds: status.replayDelaySeconds) : .notInRecovery
            link.failures = 0
            link.lastFailure = nil
            link.status = status
            state = "answering"
            if link.loggedState != nil && link.loggedState != state {
                logger.info("probe of \(endpoint) answers again", metadata: ["real_server": "\(endpoint)"])
            }
        case .failure(let error):
            probe = error.isServerGone ? .gone(error.summary) : .unreachable(error.summary)
            link.failures += 1
            link.lastFailure = probe
            // The first retry is at once (next round); then 100 ms, doubling up to the bound.
            let delay = link.failures < 2 ? 0 : min(0.1 * Double(1 << min(link.failures - 2, 16)), maximumBackoff)
            link.retryAt = now + delay
            state = "failing: \(error.summary)"
            if link.loggedState != state {
                let remedy = error.guardRemedy.map { " (\($0))" } ?? ""
                logger.warning("probe of \(endpoint) failed: \(error.summary)\(remedy); retrying with back-off up to \(maximumBackoff) s",
                               metadata: ["real_server": "\(endpoint)"])
            }
        }
        link.loggedState = state
        link.silentSince = nil
        let waiter = link.waiter
        link.waiter = nil
        links[endpoint] = link
        waiter?(probe)
    }
}
