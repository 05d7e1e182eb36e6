import BentoSystem
import Foundation

/// Readahead tuning: the kernel caps a FUSE mount's readahead at the 128 KiB it offers in INIT, which makes a
/// sequential read one round trip per 128 KiB. Once the INIT reply has been written (the kernel applies it while
/// that write runs), the session raises the mount's `read_ahead_kb` to the `readahead=` option (default 1 MiB,
/// the size of one request) through sysfs. Needs root; without it the kernel's value stays.
extension Session {
    /// The readahead asked for, in KiB (`readahead=KiB`, default 1024; 0 leaves the kernel's value).
    var readaheadKiB: Int { options.extra["readahead"].flatMap { Int($0) } ?? 1024 }

    /// Called by the worker that answered INIT, once the reply is written.
    func tuneReadahead() {
        guard readaheadKiB > 0, HostProcess.isRoot, let device = mountDevice() else {
            return
        }
        let path = "/sys/class/bdi/\(device)/read_ahead_kb"
        do {
            try "\(readaheadKiB)\n".write(toFile: path, atomically: false, encoding: .utf8)
        } catch {
            logger.debug("could not raise readahead on \(mountpoint) (\(path)): \(error)")
        }
    }

    /// The mount's device number (`major:minor`) from /proc/self/mountinfo. Never `stat` the mount point here:
    /// a worker doing so would wait for a GETATTR that only the workers can answer (with one worker, forever).
    func mountDevice() -> String? {
        guard let table = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return nil }
        let escaped = mountpoint.replacingOccurrences(of: "\\", with: "\\134")
            .replacingOccurrences(of: " ", with: "\\040").replacingOccurrences(of: "\t", with: "\\011")
            .replacingOccurrences(of: "\n", with: "\\012")
        // Fields: id, parent id, major:minor, root, mount point, ...; the last match is the topmost mount.
        let entries: [[Substring]] = table.split(separator: "\n").map { $0.split(separator: " ") }
        guard let entry = entries.last(where: { $0.count > 4 && $0[4] == escaped }) else { return nil }
        return String(entry[2])
    }
}
