import LVSModel

/// The kernel's IPVS table as the daemon uses it: read the services and their real servers,
/// change them one operation at a time, keep the connection timeouts and sync daemons. `IPVSClient` is the
/// kernel's; `RecordingIPVSTable` holds a table in memory and records each change (for
/// `pglvsd once --dry-run` and for tests of the loop without a kernel).
///
/// Used from one thread (or serial queue) at a time, as `IPVSClient` is.
public protocol IPVSTable: AnyObject {
    /// While set, the time a batch of requests may take together (see `IPVSClient.timeBudget`).
    var timeBudget: Duration? { get set }

    /// Every virtual service, with counters where the table keeps them.
    func services() throws(IPVSError) -> [VirtualService]
    /// The real servers of one virtual service.
    func destinations(of key: VirtualServiceKey) throws(IPVSError) -> [Destination]
    /// The TCP, TCP-FIN and UDP connection timeouts.
    func timeouts() throws(IPVSError) -> IPVSTimeouts
    /// Sets the connection timeouts; 0 leaves a timeout as it is.
    func setTimeouts(_ timeouts: IPVSTimeouts) throws(IPVSError)
    /// The connection synchronisation daemons, master first.
    func syncDaemons() throws(IPVSError) -> [SyncDaemon]
    /// Starts a sync daemon of the daemon's role; EEXIST when one of that role runs.
    func startSyncDaemon(_ daemon: SyncDaemon) throws(IPVSError)
    /// Stops the sync daemon of this role; ESRCH when none runs.
    func stopSyncDaemon(_ role: SyncDaemon.Role) throws(IPVSError)

    func addService(_ service: VirtualService) throws(IPVSError)
    func editService(_ service: VirtualService) throws(IPVSError)
    func deleteService(_ key: VirtualServiceKey) throws(IPVSError)
    func addDestination(_ destination: Destination, to key: VirtualServiceKey) throws(IPVSError)
    func editDestination(_ destination: Destination, of key: VirtualServiceKey) throws(IPVSError)
    func deleteDestination(_ endpoint: SocketEndpoint, from key: VirtualServiceKey) throws(IPVSError)

    /// After a read failed with ENOENT: whether the table's address changed (ip_vs loaded
    /// again) so that the read is worth trying once more.
    @discardableResult
    func resolveFamilyAgain() throws(IPVSError) -> Bool
}

extension IPVSClient: IPVSTable {}
