#if canImport(Glibc)
import Glibc
#endif
import IPVS
import PoolCore

/// Reads what `KernelSettingsCheck` judges: the IPVS sysctls and the kernel's release.
enum KernelSettingsReading {
    static func read() -> KernelSettings {
        func reading(_ sysctl: IPVSSysctl) -> KernelSettings.Reading {
            do {
                return .value(try sysctl.read())
            } catch {
                return .unreadable("\(error.errno)")
            }
        }
        return KernelSettings(expireNodestConn: reading(.expireNodestConn),
                              expireQuiescentTemplate: reading(.expireQuiescentTemplate),
                              connReuseMode: reading(.connReuseMode), conntrack: reading(.conntrack),
                              syncRefreshPeriod: reading(.syncRefreshPeriod), syncPeriod: syncPeriod(),
                              kernelRelease: release())
    }

    /// The period of net.ipv4.vs.sync_threshold ("3\t50": the second number).
    private static func syncPeriod() -> KernelSettings.Reading {
        let descriptor = open("/proc/sys/net/ipv4/vs/sync_threshold", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return .unreadable("\(errno)") }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
        guard count > 0 else { return .unreadable("empty") }
        let fields = String(decoding: buffer.prefix(count), as: UTF8.self).split { $0 == " " || $0 == "\t" || $0 == "\n" }
        guard fields.count == 2, let period = Int(fields[1]) else { return .unreadable("unexpected text") }
        return .value(period)
    }

    /// `uname -r`.
    private static func release() -> String? {
        var names = utsname()
        guard uname(&names) == 0 else { return nil }
        return withUnsafeBytes(of: &names.release) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
