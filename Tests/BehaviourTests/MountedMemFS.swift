#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

/// Facts about this machine that decide whether the mounted runs can happen.
enum Machine {
    /// True under CI (`CI=true`), where the mounted run must run, not skip.
    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// True when we are root and `/dev/fuse` is there.
    static var canMount: Bool { getuid() == 0 && FileManager.default.isReadableFile(atPath: "/dev/fuse") }

    /// Whether to mount: always under CI (failing loudly when it cannot), else when possible.
    static var shouldMount: Bool { isCI || canMount }

    /// The `bento` binary: `BENTO_BINARY`, else next to the test executable (the build products directory).
    static var bentoBinary: String {
        if let path = ProcessInfo.processInfo.environment["BENTO_BINARY"] { return path }
        return URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("bento").path
    }
}

/// A MemFS mounted through the kernel by the built `bento` binary, serving from a background daemon.
/// `stop()` always detaches the mount (`umount -l`) and kills the daemon, whatever state it is in.
final class MountedMemFS: Sendable {
    /// The mount point.
    let mountpoint: String
    /// The serving daemon's process id.
    let daemon: pid_t
    private let scratch: String

    /// The mount the current test runs against (set by `MountedMemFS.Scope`).
    @TaskLocal static var current: MountedMemFS?

    /// Mounts a fresh MemFS on a new directory under /tmp; throws with bento's own message on failure.
    init() throws {
        scratch = NSTemporaryDirectory() + "bento-behaviour-\(UUID().uuidString.prefix(8))"
        mountpoint = scratch + "/mnt"
        try FileManager.default.createDirectory(atPath: mountpoint, withIntermediateDirectories: true)
        let pidFile = scratch + "/daemon.pid"
        let bento = Process()
        bento.executableURL = URL(fileURLWithPath: Machine.bentoBinary)
        bento.arguments = ["mount", "--fs", "memfs", "--pid-file", pidFile, "behaviour", mountpoint]
        let errors = Pipe()
        bento.standardError = errors
        do {
            try bento.run()
        } catch {
            try? FileManager.default.removeItem(atPath: scratch)
            throw MountFailure("cannot run \(Machine.bentoBinary) (\(error)); build it first (swift build --product bento) or set BENTO_BINARY")
        }
        bento.waitUntilExit()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let pid = (try? String(contentsOfFile: pidFile, encoding: .utf8))
            .flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        daemon = pid ?? 0
        guard bento.terminationStatus == 0, pid != nil else {
            stop()
            throw MountFailure("bento mount failed (status \(bento.terminationStatus)): \(message)")
        }
    }

    /// Detaches the mount, ends the daemon (SIGTERM, then SIGKILL after two seconds) and removes the directory.
    func stop() {
        umount2(mountpoint, Int32(MNT_DETACH))
        if daemon > 0, kill(daemon, SIGTERM) == 0 {
            let deadline = Date().addingTimeInterval(2)
            while kill(daemon, 0) == 0, Date() < deadline { usleep(20_000) }
            kill(daemon, SIGKILL)
        }
        try? FileManager.default.removeItem(atPath: scratch)
    }

    /// Mounts once around everything the trait is applied to, and always cleans up.
    struct Scope: SuiteTrait, TestScoping {
        func provideScope(for test: Test, testCase: Test.Case?,
                          performing function: @Sendable () async throws -> Void) async throws {
            let mount = try MountedMemFS()
            defer { mount.stop() }
            try await MountedMemFS.$current.withValue(mount) { try await function() }
        }
    }
}

/// Why a mount could not be made.
struct MountFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
