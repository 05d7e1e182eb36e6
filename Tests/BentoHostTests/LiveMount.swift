import Foundation
import BentoHost

/// Facts about this machine that decide whether tests needing the kernel can run.
enum Machine {
    /// True when `/dev/fuse` can be opened and we are root, so real mounts work.
    static var canMount: Bool {
        getuid() == 0 && FileManager.default.isReadableFile(atPath: "/dev/fuse")
    }

    /// True under CI (`CI=true`), where tests needing `/dev/fuse` must run, not skip.
    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// Whether mount tests should run: always under CI (a missing /dev/fuse then fails them), else when possible.
    static var shouldMount: Bool { isCI || canMount }
}

/// A fresh empty directory under /tmp, removed (after a lazy unmount, if something is still mounted) on deinit.
final class ScratchDirectory {
    let path: String

    init(_ label: String) throws {
        path = NSTemporaryDirectory() + "bento-\(label)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        umount2(path, Int32(MNT_DETACH))
        try? FileManager.default.removeItem(atPath: path)
    }
}
