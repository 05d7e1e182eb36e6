#if canImport(Glibc)
import Glibc
#endif
import BentoKit
import Foundation
import Logging

/// How a session exchanges requests with the kernel: `-o transport=dev|uring` of `bento mount`.
///
/// `dev` reads each request from `/dev/fuse` and writes each reply back, one cloned channel per worker thread.
/// `uring` fetches and answers requests through FUSE over io_uring (Linux 6.14+): one ring queue per possible CPU,
/// each served on its own thread (`URingQueue`); `/dev/fuse` keeps one reader for what the kernel never puts on
/// the ring (INIT, FORGET, INTERRUPT) and for the requests sent before every queue has registered.
public enum Transport: String, Sendable, Hashable, CaseIterable {
    /// `read(2)`/`writev(2)` on `/dev/fuse`.
    case dev
    /// FUSE over io_uring.
    case uring

    /// The FUSE module's switch: the kernel offers FUSE over io_uring at INIT only while it reads `Y`.
    static let switchPath = "/sys/module/fuse/parameters/enable_uring"

    /// Checks, before anything is mounted, that the kernel will offer this transport at INIT. For `uring`: the
    /// switch must exist (else the kernel has no FUSE over io_uring) and read `Y` — as root, `N` is turned to `Y`
    /// and logged — and an io_uring must be creatable (not disabled by `kernel.io_uring_disabled`).
    func prepare(logger: Logger) throws(HostError) {
        guard self == .uring else { return }
        guard let state = try? String(contentsOfFile: Self.switchPath, encoding: .utf8) else {
            throw HostError("transport=uring needs FUSE over io_uring (Linux 6.14+ built with CONFIG_FUSE_IO_URING): "
                            + "\(Self.switchPath) does not exist here; use transport=dev")
        }
        if state.trimmingCharacters(in: .whitespacesAndNewlines) != "Y" {
            guard geteuid() == 0 else {
                throw HostError("transport=uring: FUSE over io_uring is off (\(Self.switchPath) is N); as root: "
                                + "echo Y > \(Self.switchPath), or use transport=dev")
            }
            do {
                try "Y\n".write(toFile: Self.switchPath, atomically: false, encoding: .utf8)
            } catch {
                throw HostError("transport=uring: cannot turn FUSE over io_uring on (\(Self.switchPath)): \(error)")
            }
            logger.notice("transport=uring: turned FUSE over io_uring on (wrote Y to \(Self.switchPath))")
        }
        do {
            _ = try URing(entries: 1)
        } catch {
            throw HostError("transport=uring: cannot create an io_uring (\(error)); check "
                            + "/proc/sys/kernel/io_uring_disabled, or use transport=dev")
        }
    }
}
