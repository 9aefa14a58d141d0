// The host side of Benchmarks/compare: the CPU one health check costs on pglvsd's persistent
// connection (a query on an open connection, as ReplicaProber does), for comparison with a
// forked psql per check and a new connection per check.
//
//   probe-bench CONNINFO COUNT
#if canImport(Glibc)
import Glibc
#endif
import Postgres

func fail(_ message: String) -> Never {
    let text = "probe-bench: \(message)\n"
    text.withCString { _ = write(STDERR_FILENO, $0, strlen($0)) }
    exit(message.hasPrefix("usage") ? 2 : 1)
}

let arguments = CommandLine.arguments
guard arguments.count == 3, let count = Int(arguments[2]), count > 0 else {
    fail("usage: probe-bench CONNINFO COUNT")
}
do {
    let connection = try PostgresConnection(conninfo: arguments[1], applicationName: "probe-bench")
    for _ in 0..<count {
        guard try connection.replicaStatus().inRecovery else {
            fail("the server is not a standby")
        }
    }
} catch {
    fail("\(error)")
}
var usage = rusage()
getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
print("checks \(count) client_cpu_seconds \(cpu)")
