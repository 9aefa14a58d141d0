// The IPVS module's side of the benchmark (Benchmarks/ipvs/run.sh runs it inside the UML lab).
//
//   ipvs-bench add|delete N VIP PORT   destinations 10.9.<i/250+1>.<i%250+1>:PORT, DR, weight 1
//   ipvs-bench dump VIP PORT           one full dump of the service's destinations
//
// Prints the seconds spent in the loop (after the client is set up), and for dump the count.
import IPVS
import LVSModel

#if canImport(Glibc)
import Glibc
#endif

func fail(_ message: String) -> Never {
    var line = "ipvs-bench: \(message)\n"
    line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    exit(1)
}

let arguments = CommandLine.arguments
guard arguments.count >= 4, let vip = IPAddress(arguments[arguments.count - 2]),
      let port = UInt16(arguments[arguments.count - 1]) else {
    fail("usage: ipvs-bench add|delete N VIP PORT | dump VIP PORT")
}
let key = VirtualServiceKey.endpoint(.tcp, SocketEndpoint(address: vip, port: port))

func destinationAddress(_ index: Int) -> IPAddress {
    .v4(UInt32(10) << 24 | UInt32(9) << 16 | UInt32(index / 250 + 1) << 8 | UInt32(index % 250 + 1))
}

do {
    let client = try IPVSClient()
    let clock = ContinuousClock()
    switch arguments[1] {
    case "add", "delete":
        guard let count = Int(arguments[2]) else { fail("N must be a number") }
        let adding = arguments[1] == "add"
        let elapsed = try clock.measure {
            for index in 0..<count {
                let endpoint = SocketEndpoint(address: destinationAddress(index), port: port)
                if adding {
                    try client.addDestination(Destination(endpoint: endpoint, forwarding: .directRoute, weight: 1), to: key)
                } else {
                    try client.deleteDestination(endpoint, from: key)
                }
            }
        }
        print(String(format: elapsed))
    case "dump":
        var count = 0
        let elapsed = try clock.measure { count = try client.destinations(of: key).count }
        print(String(format: elapsed), count)
    default:
        fail("unknown command \(arguments[1])")
    }
} catch {
    fail("\(error)")
}

extension String {
    init(format duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let micros = attoseconds / 1_000_000_000_000
        let fraction = String(micros)
        self = "\(seconds)." + String(repeating: "0", count: 6 - fraction.count) + fraction
    }
}
