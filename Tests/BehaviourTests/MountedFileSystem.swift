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

/// A file system (memfs, or xv6fs on a fresh image) mounted through the kernel by the built `bento` binary,
/// serving from a background daemon. `stop()` always detaches the mount (`umount -l`) and kills the daemon,
/// whatever state it is in.
final class MountedFileSystem: Sendable {
    /// The mount point.
    let mountpoint: String
    /// The serving daemon's process id.
    let daemon: pid_t
    private let scratch: String

    /// The mount the current test runs against (set by `MountedFileSystem.Scope`).
    @TaskLocal static var current: MountedFileSystem?

    /// Mounts a fresh file system of `type` (`memfs`, `xv6fs` or `provfs` on a new image, `passthrough` of a new directory)
    /// on a new directory under /tmp; throws with bento's own message on failure.
    init(type: String) throws {
        scratch = NSTemporaryDirectory() + "bento-behaviour-\(UUID().uuidString.prefix(8))"
        mountpoint = scratch + "/mnt"
        try FileManager.default.createDirectory(atPath: mountpoint, withIntermediateDirectories: true)
        var source = "behaviour"
        if type == "xv6fs" || type == "provfs" {
            source = scratch + "/disk.img"
            try Self.runBento(["mkfs", "--size", "1G", source])
        } else if type == "passthrough" {
            source = scratch + "/backing"
            try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
        }
        let pidFile = scratch + "/daemon.pid"
        let bento = Process()
        bento.executableURL = URL(fileURLWithPath: Machine.bentoBinary)
        bento.arguments = ["mount", "--fs", type, "--pid-file", pidFile, source, mountpoint]
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

    /// Runs `bento ARGUMENTS` to completion; throws unless it exits 0.
    private static func runBento(_ arguments: [String]) throws {
        let bento = Process()
        bento.executableURL = URL(fileURLWithPath: Machine.bentoBinary)
        bento.arguments = arguments
        bento.standardOutput = FileHandle.nullDevice
        try bento.run()
        bento.waitUntilExit()
        guard bento.terminationStatus == 0 else {
            throw MountFailure("bento \(arguments.joined(separator: " ")) failed with status \(bento.terminationStatus)")
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

    /// Mounts a file system of `type` once around everything the trait is applied to, and always cleans up.
    struct Scope: SuiteTrait, TestScoping {
        /// `memfs`, `xv6fs` or `passthrough`.
        let type: String

        func provideScope(for test: Test, testCase: Test.Case?,
                          performing function: @Sendable () async throws -> Void) async throws {
            let mount = try MountedFileSystem(type: type)
            defer { mount.stop() }
            try await MountedFileSystem.$current.withValue(mount) { try await function() }
        }
    }
}

/// Why a mount could not be made.
struct MountFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
