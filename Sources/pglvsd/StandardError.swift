#if canImport(Glibc)
import Glibc
#endif

/// Writes one line to standard error (unbuffered, so it interleaves correctly with logs).
func printError(_ line: String) {
    var text = line + "\n"
    text.withUTF8 { bytes in
        var offset = 0
        while offset < bytes.count {
            let written = write(2, bytes.baseAddress! + offset, bytes.count - offset)
            if written <= 0 { return }
            offset += written
        }
    }
}
