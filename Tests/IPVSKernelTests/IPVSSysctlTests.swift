import Testing
import IPVS

extension IPVSKernelTests {
@Suite(.serialized)
struct IPVSSysctlTests {
    @Test(arguments: IPVSSysctl.allCases)
    func sysctlsRoundTripThroughProc(sysctl: IPVSSysctl) throws {
        let original = try sysctl.read()
        let other = original == 1 ? 0 : 1
        try sysctl.write(other)
        #expect(try sysctl.read() == other)
        let viaSysctl = try KernelLab.run("/usr/sbin/sysctl", ["-n", "net.ipv4.vs.\(sysctl.rawValue)"])
        #expect(viaSysctl == "\(other)\n")
        try sysctl.write(original)
        #expect(try sysctl.read() == original)
    }
}
}
