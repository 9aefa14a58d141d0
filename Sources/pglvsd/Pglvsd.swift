import ArgumentParser

@main
struct Pglvsd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pglvsd",
        abstract: "Keeps an IPVS read service in step with a PostgreSQL primary's streaming replicas.",
        discussion: """
            pglvsd asks the writer (through the writer VIP) for its replicas in pg_stat_replication, \
            decides the read pool with the seed lvsdr agent's weights, and programs the kernel's IPVS \
            table over generic netlink.
            """,
        version: "0.2.4",
        subcommands: [Run.self, Once.self, CheckConfig.self, Status.self, Drain.self, Undrain.self, IPVSCommand.self])
}
