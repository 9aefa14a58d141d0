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
                              kernelRelease: release())
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
