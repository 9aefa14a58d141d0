import ArgumentParser
import IPVS

struct IPVSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ipvs",
        abstract: "Read the kernel's IPVS table over netlink (no ipvsadm needed).",
        subcommands: [List.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print every virtual service and real server, as `ipvsadm -Ln` does.")

        @Flag(help: "Print JSON instead of ipvsadm's layout.")
        var json = false

        @Flag(help: "Traffic counters, as ipvsadm -Ln --stats.")
        var stats = false

        @Flag(help: "Rates, as ipvsadm -Ln --rate.")
        var rate = false

        @Flag(help: "Connection thresholds, as ipvsadm -Ln --thresholds.")
        var thresholds = false

        @Flag(help: "Persistent connections, as ipvsadm -Ln --persistent-conn.")
        var persistentConn = false

        @Flag(help: "Tunnel settings, as ipvsadm -Ln --tun-info.")
        var tunInfo = false

        @Flag(help: "The TCP, TCP-FIN and UDP timeouts, as ipvsadm -L --timeout.")
        var timeout = false

        @Flag(help: "The connection synchronisation daemons, as ipvsadm -L --daemon.")
        var daemon = false

        func validate() throws {
            let chosen = [json, stats, rate, thresholds, persistentConn, tunInfo, timeout, daemon].filter { $0 }.count
            if chosen > 1 { throw ValidationError("choose one of --json, --stats, --rate, --thresholds, --persistent-conn, --tun-info, --timeout, --daemon") }
        }

        func run() throws {
            do {
                let client = try IPVSClient()
                if timeout {
                    print(IPVSTableText.render(try client.timeouts()), terminator: "")
                    return
                }
                if daemon {
                    print(IPVSTableText.render(try client.syncDaemons()), terminator: "")
                    return
                }
                let tables = try KernelServiceTable.read(client)
                if json {
                    print(try IPVSTableJSON.render(tables), terminator: "")
                    return
                }
                let listing: IPVSListing = stats ? .stats : rate ? .rate : thresholds ? .thresholds
                    : persistentConn ? .persistentConnections : tunInfo ? .tunnelInfo : .standard
                print(IPVSTableText.render(tables, info: try client.info(), listing: listing), terminator: "")
            } catch let error as IPVSError {
                printError("pglvsd: \(error)")
                throw ExitCode(1)
            }
        }
    }
}
