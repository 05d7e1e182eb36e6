import FUSEWire
import Foundation

/// Readahead tuning: the kernel caps a FUSE mount's readahead at the 128 KiB it offers in INIT, which makes a
/// sequential read one round trip per 128 KiB. Once the INIT reply has been written (the kernel applies it while
/// that write runs), the session raises the mount's `read_ahead_kb` to the `readahead=` option (default 1 MiB,
/// the size of one request) through sysfs. Needs root; without it the kernel's value stays.
extension Session {
    /// The readahead asked for, in KiB (`readahead=KiB`, default 1024; 0 leaves the kernel's value).
    var readaheadKiB: Int { options.extra["readahead"].flatMap { Int($0) } ?? 1024 }

    /// Called by a worker after it sent a reply; tunes readahead when that reply answered INIT.
    func tuneReadaheadIfInit(_ request: UnsafeRawBufferPointer) {
        guard RequestHeader.peek(request)?.opcode == Opcode.initialize.rawValue, readaheadKiB > 0, geteuid() == 0 else {
            return
        }
        var status = stat()
        guard stat(mountpoint, &status) == 0 else { return }
        let device = status.st_dev
        let major = ((device >> 8) & 0xfff) | ((device >> 32) & ~0xfff)  // glibc's major()/minor() encoding
        let minor = (device & 0xff) | ((device >> 12) & ~0xff)
        let path = "/sys/class/bdi/\(major):\(minor)/read_ahead_kb"
        do {
            try "\(readaheadKiB)\n".write(toFile: path, atomically: false, encoding: .utf8)
        } catch {
            logger.debug("could not raise readahead on \(mountpoint) (\(path)): \(error)")
        }
    }
}
