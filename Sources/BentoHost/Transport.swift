import BentoKit
import BentoSystem
import Foundation
import Logging

/// How a session exchanges requests with the kernel: `-o transport=auto|dev|uring` of `bento mount`.
///
/// `dev` reads each request from `/dev/fuse` and writes each reply back, one cloned channel per worker thread.
/// `uring` fetches and answers requests through FUSE over io_uring (Linux 6.14+): one ring queue per possible CPU,
/// each served on its own thread (`URingQueue`); `/dev/fuse` keeps one reader for what the kernel never puts on
/// the ring (INIT, FORGET, INTERRUPT) and for the requests sent before every queue has registered.
/// `auto`, the default, is settled before mounting (`prepare`): `uring` where the kernel can serve it, else `dev`.
public enum Transport: String, Sendable, Hashable, CaseIterable {
    /// `uring` where this machine can serve it, else `dev` with the reason logged (`decide`).
    case auto
    /// `read(2)`/`writev(2)` on `/dev/fuse`.
    case dev
    /// FUSE over io_uring.
    case uring

    /// The FUSE module's switch: the kernel offers FUSE over io_uring at INIT only while it reads `Y`.
    static let switchPath = "/sys/module/fuse/parameters/enable_uring"

    /// How the mount is served, settled from the facts the pre-mount check gathers; pure, so tests can give it
    /// any machine. `dev` needs nothing. Otherwise the ring needs the switch (`missing`: no FUSE over io_uring in
    /// this kernel), on or turnable on (only root may write it), and a creatable io_uring. Where one is missing,
    /// an explicit `uring` refuses the mount and `auto` falls back to `dev`.
    public static func decide(_ requested: Transport, switch state: URingSwitch, isRoot: Bool,
                              ringError: String?) -> TransportDecision {
        guard requested != .dev else { return .dev }
        let missing: URingUnavailable? =
            switch state {
            case .missing: .notInKernel
            case .off where !isRoot: .switchedOff
            default: ringError.map(URingUnavailable.noRing)
            }
        guard let missing else { return .uring(turnSwitchOn: state == .off) }
        return requested == .uring ? .refuse(missing) : .fallBack(missing)
    }

    /// Checks, before anything is mounted, what this transport can be here and prepares it: `dev` as asked;
    /// `uring` and `auto` gather the facts (`enable_uring`, root, an io_uring created and dropped), `decide`, and
    /// when the ring is chosen with the switch off, turn it on (logged). Explicit `uring` throws where it cannot
    /// work; `auto` then answers `dev` and logs one line with the reason. The answer is never `auto`.
    func prepare(for mountpoint: String, logger: Logger) throws(HostError) -> Transport {
        guard self != .dev else { return .dev }
        var decision = Self.decide(self, switch: URingSwitch.current, isRoot: HostProcess.isRoot,
                                   ringError: Self.ringCreationError())
        if case .uring(turnSwitchOn: true) = decision {
            do {
                try "Y\n".write(toFile: Self.switchPath, atomically: false, encoding: .utf8)
                logger.notice("transport=\(rawValue): turned FUSE over io_uring on (wrote Y to \(Self.switchPath))")
            } catch {
                let missing = URingUnavailable.switchNotWritable("\(error)")
                decision = self == .uring ? .refuse(missing) : .fallBack(missing)
            }
        }
        switch decision {
        case .dev: return .dev
        case .uring: return .uring
        case .refuse(let missing): throw HostError(missing.refusal)
        case .fallBack(let missing):
            logger.notice("\(mountpoint): transport=auto serves through /dev/fuse: \(missing)")
            return .dev
        }
    }

    /// Why an io_uring cannot be created here (`kernel.io_uring_disabled`, seccomp, no memory), or nil.
    private static func ringCreationError() -> String? {
        do {
            _ = try URing(entries: 1)
            return nil
        } catch {
            return "\(error)"
        }
    }
}

/// The fuse module's `enable_uring` switch as the pre-mount check reads it.
public enum URingSwitch: Sendable, Hashable {
    /// No such parameter: the kernel has no FUSE over io_uring (before 6.14, or without CONFIG_FUSE_IO_URING).
    case missing
    /// `N`: the kernel does not offer the ring at INIT; root may turn it on.
    case off
    /// `Y`.
    case on

    /// The switch on this machine now.
    static var current: URingSwitch {
        guard let text = try? String(contentsOfFile: Transport.switchPath, encoding: .utf8) else { return .missing }
        return text.trimmingCharacters(in: .whitespacesAndNewlines) == "Y" ? .on : .off
    }
}

/// What `Transport.decide` settles for a mount.
public enum TransportDecision: Sendable, Hashable {
    /// Serve through `/dev/fuse`, as asked.
    case dev
    /// Serve through FUSE over io_uring, turning the fuse module's switch on first when `turnSwitchOn`.
    case uring(turnSwitchOn: Bool)
    /// `transport=auto` where the ring cannot work: serve through `/dev/fuse`, logging why.
    case fallBack(URingUnavailable)
    /// `transport=uring` where the ring cannot work: refuse the mount with the reason and the fix.
    case refuse(URingUnavailable)
}

/// Why FUSE over io_uring cannot serve a mount here.
public enum URingUnavailable: Sendable, Hashable, CustomStringConvertible {
    /// `enable_uring` does not exist: the kernel has no FUSE over io_uring.
    case notInKernel
    /// `enable_uring` reads `N` and only root may turn it on.
    case switchedOff
    /// Turning `enable_uring` on failed (the error).
    case switchNotWritable(String)
    /// No io_uring can be created (the error).
    case noRing(String)

    /// The reason, as `transport=auto` logs it when it falls back to `/dev/fuse`.
    public var description: String {
        switch self {
        case .notInKernel:
            "this kernel has no FUSE over io_uring (Linux 6.14+ built with CONFIG_FUSE_IO_URING; "
                + "\(Transport.switchPath) does not exist)"
        case .switchedOff:
            "FUSE over io_uring is off (\(Transport.switchPath) is N) and only root can turn it on"
        case .switchNotWritable(let error):
            "cannot turn FUSE over io_uring on (\(Transport.switchPath)): \(error)"
        case .noRing(let error):
            "cannot create an io_uring (\(error)); see /proc/sys/kernel/io_uring_disabled"
        }
    }

    /// The message refusing an explicit `transport=uring`: the reason and the fix.
    public var refusal: String {
        switch self {
        case .notInKernel:
            "transport=uring needs FUSE over io_uring (Linux 6.14+ built with CONFIG_FUSE_IO_URING): "
                + "\(Transport.switchPath) does not exist here; use transport=dev"
        case .switchedOff:
            "transport=uring: FUSE over io_uring is off (\(Transport.switchPath) is N); as root: "
                + "echo Y > \(Transport.switchPath), or use transport=dev"
        case .switchNotWritable(let error):
            "transport=uring: cannot turn FUSE over io_uring on (\(Transport.switchPath)): \(error)"
        case .noRing(let error):
            "transport=uring: cannot create an io_uring (\(error)); check /proc/sys/kernel/io_uring_disabled, "
                + "or use transport=dev"
        }
    }
}
