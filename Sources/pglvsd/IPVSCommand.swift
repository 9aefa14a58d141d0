import ArgumentParser
import IPVS
#if canImport(Glibc)
import Glibc
#endif

struct IPVSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ipvs",
        abstract: "Read the kernel's IPVS table over netlink.",
        subcommands: [List.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print every virtual service and real server, as `ipvsadm -Ln` does.")

        @Flag(help: "Print JSON instead of ipvsadm's layout.")
        var json = false

        func run() throws {
            do {
                let client = try IPVSClient()
                let tables = try KernelServiceTable.read(client)
                print(json ? try IPVSTableJSON.render(tables) : IPVSTableText.render(tables, info: try client.info()),
                      terminator: "")
            } catch let error as IPVSError {
                printError("pglvsd: \(error)")
                throw ExitCode(1)
            }
        }
    }
}
