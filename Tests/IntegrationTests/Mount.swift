import BentoTesting
import Foundation
import Testing

/// The file systems the suite mounts through /dev/fuse.
enum FileSystemKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// The in-memory file system; SOURCE is any word.
    case memfs
    /// Mirrors a host directory (here one on the host's /tmp file system).
    case passthrough
    /// The journaled file system, on a fresh sparse image made by `bento mkfs`.
    case xv6fs
    /// xv6fs recording provenance, on a fresh image likewise.
    case provfs

    var testDescription: String { rawValue }

    /// Whether what is written survives an unmount (in the backing directory or the image).
    var isPersistent: Bool { self != .memfs }

    /// Whether SOURCE is an xv6fs image (xv6fs and provfs).
    var usesImage: Bool { self == .xv6fs || self == .provfs }

    /// Makes what `bento mount` takes as SOURCE inside `scratch`: a word, a backing directory, a new image (made by
    /// `bento mkfs --size 4G` plus `mkfsArguments`).
    func makeSource(in scratch: ScratchDirectory, mkfsArguments: [String] = []) throws -> String {
        switch self {
        case .memfs:
            return "memfs-\(scratch.path.split(separator: "/").last ?? "")"
        case .passthrough:
            let directory = "\(scratch.path)/backing"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            return directory
        case .xv6fs, .provfs:
            let image = "\(scratch.path)/disk.img"
            let extra = mkfsArguments.map { Shell.quote($0) + " " }.joined()
            try Shell.check("\(Shell.quote(TestEnvironment.bentoBinary)) mkfs --size 4G \(extra)\(Shell.quote(image))", timeLimit: 60)
            return image
        }
    }

    /// Once its daemon is gone, an xv6fs or provfs image must be consistent: `bento fsck` exits 0. Recorded as an issue
    /// of the running test otherwise.
    func checkSource(_ source: String) {
        guard usesImage else { return }
        do {
            let report = try Shell.run("\(Shell.quote(TestEnvironment.bentoBinary)) fsck \(Shell.quote(source))", timeLimit: 120)
            if report.status != 0 { Issue.record("bento fsck after the test: \(report)") }
        } catch {
            Issue.record("bento fsck could not run: \(error)")
        }
    }
}

/// Where the suite may mount, and where it finds the `bento` binary.
enum TestEnvironment {
    /// `CI=true`: missing prerequisites fail the tests instead of skipping them.
    static let isCI = ProcessInfo.processInfo.environment["CI"] == "true"

    /// Whether this machine can mount FUSE file systems: /dev/fuse exists and we are root.
    static let canMount = FileManager.default.fileExists(atPath: "/dev/fuse") && geteuid() == 0

    /// Mount tests run where they can, and always under CI (where they fail if they cannot mount).
    static let runsMountTests = canMount || isCI

    /// `BENTO_BINARY`, or `bento` beside the running test executable (SwiftPM's bin path).
    static let bentoBinary: String = {
        if let path = ProcessInfo.processInfo.environment["BENTO_BINARY"], !path.isEmpty { return path }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return executable.deletingLastPathComponent().appendingPathComponent("bento").path
    }()

    /// The directory every test's scratch directories live under.
    static let scratchRoot = "/tmp/bento-it"

    /// The `transport=` the suite's mounts ask for: `BENTO_TEST_TRANSPORT`, or what a test binds for the calls it
    /// makes; nil leaves the daemon's default, `auto`, which serves over FUSE over io_uring wherever the kernel can
    /// (here it can). scripts/test therefore runs the suite a second time with `dev`, the classic `/dev/fuse`.
    @TaskLocal static var transport: String? = ProcessInfo.processInfo.environment["BENTO_TEST_TRANSPORT"]

    /// `-o transport=...` for a `bento mount` command line, or nothing.
    static var transportOption: String { transport.map { "-o transport=\($0)" } ?? "" }

    /// What `bento status` shows for a mount without `-o transport` (the default, `auto`) by a root or an ordinary
    /// daemon on this machine, read as `Transport.decide` reads it: `uring` where the fuse module's `enable_uring`
    /// exists and reads Y (or we are root, who turns it on) and io_uring is not disabled for us, else `dev(auto)`.
    static func autoTransport(asRoot: Bool) -> String {
        func read(_ path: String) -> String? {
            (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard let state = read("/sys/module/fuse/parameters/enable_uring"), state == "Y" || asRoot else { return "dev(auto)" }
        let disabled = read("/proc/sys/kernel/io_uring_disabled") ?? "0"
        return disabled == "0" || (disabled == "1" && asRoot) ? "uring" : "dev(auto)"
    }

    /// The last field (TRANSPORT) of the row `bento status` (or `statusCommand`) shows for `mountPoint`; "no row"
    /// if it shows none. Other mounts may share the table and widen its columns, so the row is split on blanks.
    static func shownTransport(at mountPoint: String, statusCommand: String? = nil) -> String {
        let rows = (try? Shell.run(statusCommand ?? "\(Shell.quote(bentoBinary)) status", timeLimit: 20))?.stdout ?? ""
        let row = rows.split(separator: "\n").map { $0.split(separator: " ") }.first { $0.first.map(String.init) == mountPoint }
        return row.map { $0.count > 5 ? String($0[5]) : "no transport column" } ?? "no row"  // MOUNTPOINT ... TRANSPORT STATE
    }

    /// Expects `bento status` to show the mount at `mountPoint` served through `expected` — by default the
    /// suite's `transport`; nothing is checked when there is none — within `seconds`: the io_uring queues register
    /// right after INIT, which the first access to the mount waits for. Records an issue otherwise.
    static func expectTransport(at mountPoint: String, shows expected: String? = TestEnvironment.transport,
                                within seconds: Double = 10, sourceLocation: SourceLocation = #_sourceLocation) throws {
        guard let expected else { return }
        _ = try Shell.run("stat \(Shell.quote(mountPoint)) >/dev/null", timeLimit: 20)
        var shown = ""
        let served = MountTable.wait(upTo: seconds) {
            shown = shownTransport(at: mountPoint)
            return shown == expected
        }
        #expect(served, "bento status shows transport \(shown) for \(mountPoint), not \(expected)", sourceLocation: sourceLocation)
    }
}

/// A fresh directory under /tmp/bento-it, removed (with everything in it) in `deinit`.
final class ScratchDirectory {
    /// Its absolute path.
    let path: String

    /// Creates `/tmp/bento-it/<label>-<uuid>`.
    init(_ label: String) throws {
        path = "\(TestEnvironment.scratchRoot)/\(label)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        // Whatever is still mounted inside goes first (deepest first), whichever owner's deinit has not run yet:
        // never delete through a mount point.
        let inside = MountTable.entries().map(\.mountPoint).filter { $0.hasPrefix(path + "/") }
        for mountPoint in inside.sorted().reversed() { BentoMount.stop(pid: nil, mountPoint: mountPoint) }
        if !MountTable.entries().contains(where: { $0.mountPoint.hasPrefix(path + "/") }) {
            try? FileManager.default.removeItem(atPath: path)
        }
    }
}

/// The kernel's list of mounts, read from /proc/mounts.
enum MountTable {
    /// One mount: where and what type.
    struct Entry { var source: String; var mountPoint: String; var type: String }

    /// Every current mount.
    static func entries() -> [Entry] {
        let text = (try? String(contentsOfFile: "/proc/mounts", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ").map { $0.replacingOccurrences(of: "\\040", with: " ") }
            return fields.count >= 3 ? Entry(source: fields[0], mountPoint: fields[1], type: fields[2]) : nil
        }
    }

    /// The mount at `mountPoint`, if any.
    static func entry(at mountPoint: String) -> Entry? {
        entries().last { $0.mountPoint == mountPoint }
    }

    /// Polls until `condition` holds or `seconds` pass; returns whether it held.
    static func wait(upTo seconds: Double, until condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while !condition() {
            if Date() >= deadline { return false }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return true
    }
}

/// A process we do not own (the daemon): alive means it exists and is not a zombie.
enum ProcessProbe {
    static func isAlive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(close, offsetBy: 2)...].prefix(1)
        return state != "Z" && state != "X"
    }
}

/// Thrown when a mount did not come up or go away as the CLI contract says.
struct MountError: Error, CustomStringConvertible {
    var description: String
}

/// A live `bento mount` of one file system, with the daemon in the background. `deinit` unmounts
/// (lazily if needed) and kills the daemon, so a failing test never leaves a mount or a process behind.
final class BentoMount {
    /// The file system mounted.
    let kind: FileSystemKind
    /// Where it is mounted.
    let mountPoint: String
    /// What was mounted: a word (memfs), the backing directory (passthrough), the image (xv6fs).
    let source: String
    /// The daemon's pid, from `--pid-file`.
    let pid: Int32

    /// Mounts `kind` at `<scratch>/mnt` (passthrough mirrors `<scratch>/backing`, xv6fs uses `<scratch>/disk.img`)
    /// with `-o options` plus the suite's transport (`TestEnvironment.transport`, then checked in `bento status`);
    /// an xv6fs image is made with `mkfsArguments` added. With `source`, mounts that instead (an image or backing
    /// directory an earlier mount left, to see what survives a remount).
    init(_ kind: FileSystemKind, in scratch: ScratchDirectory, options: [String] = [], mkfsArguments: [String] = [],
         source existing: String? = nil) throws {
        guard TestEnvironment.canMount else {
            throw MountError(description: "cannot mount FUSE here: need root and /dev/fuse (CI=true makes this a failure)")
        }
        self.kind = kind
        mountPoint = "\(scratch.path)/mnt"
        let pidFile = "\(scratch.path)/daemon.pid"
        source = try existing ?? kind.makeSource(in: scratch, mkfsArguments: mkfsArguments)
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        let optionWords = options.isEmpty ? "" : "-o \(Shell.quote(options.joined(separator: ",")))"
        try Shell.check("""
            \(Shell.quote(TestEnvironment.bentoBinary)) mount --fs \(kind.rawValue) \(optionWords) \(TestEnvironment.transportOption) \
              --pid-file \(Shell.quote(pidFile)) \(Shell.quote(source)) \(Shell.quote(mountPoint))
            """, timeLimit: 30)
        let pidText = (try? String(contentsOfFile: pidFile, encoding: .utf8)) ?? ""
        guard let pid = Int32(pidText.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            Self.detach(mountPoint)
            throw MountError(description: "bento mount exited 0 but wrote no pid to \(pidFile) (read \(pidText.debugDescription))")
        }
        self.pid = pid
        guard let entry = MountTable.entry(at: mountPoint), entry.type.hasPrefix("fuse") else {
            Self.stop(pid: pid, mountPoint: mountPoint)
            throw MountError(description: "bento mount exited 0 but \(mountPoint) is not a FUSE mount in /proc/mounts")
        }
        try TestEnvironment.expectTransport(at: mountPoint)
    }

    /// Whether the mount is still in /proc/mounts.
    var isMounted: Bool { MountTable.entry(at: mountPoint)?.type.hasPrefix("fuse") == true }

    /// The mount's `bento stats` counters by name: requests per operation, then the file system's own.
    func counters() throws -> [String: Int] {
        let stats = try Shell.check("\(Shell.quote(TestEnvironment.bentoBinary)) stats \(Shell.quote(mountPoint))", timeLimit: 30)
        var counters: [String: Int] = [:]
        for line in stats.stdout.split(separator: "\n").dropFirst() {
            let fields = line.split(whereSeparator: \.isWhitespace)
            if fields.count == 3, let value = Int(fields[2]) { counters[String(fields[1])] = value }
        }
        return counters
    }

    /// Unmounts the way a user does (`umount MOUNTPOINT`) and expects the daemon to exit within `seconds`.
    func unmount(within seconds: Double = 20) throws {
        try Shell.check("umount \(Shell.quote(mountPoint))", timeLimit: 60)
        guard MountTable.wait(upTo: seconds, until: { !ProcessProbe.isAlive(pid) }) else {
            throw MountError(description: "daemon \(pid) still running \(seconds) s after umount \(mountPoint)")
        }
    }

    deinit {
        Self.stop(pid: pid, mountPoint: mountPoint)
        kind.checkSource(source)
    }

    /// Unmounts `mountPoint` however it takes and makes sure daemon `pid` is gone.
    static func stop(pid: Int32?, mountPoint: String) {
        if MountTable.entry(at: mountPoint) != nil {
            let polite = try? Shell.run("umount \(Shell.quote(mountPoint))", timeLimit: 20)
            if polite?.status != 0 { detach(mountPoint) }
        }
        guard let pid else { return }
        if !MountTable.wait(upTo: 5, until: { !ProcessProbe.isAlive(pid) }) {
            kill(pid, SIGKILL)
            _ = MountTable.wait(upTo: 5, until: { !ProcessProbe.isAlive(pid) })
        }
    }

    /// Lazily unmounts `mountPoint` (still answers if the daemon hangs).
    static func detach(_ mountPoint: String) {
        _ = try? Shell.run("umount -l \(Shell.quote(mountPoint)) 2>/dev/null || true", timeLimit: 20)
    }
}

/// The baseline the mounts are compared with: a fresh tmpfs (or, where mounting tmpfs fails, a plain directory
/// on /tmp), unmounted in `deinit`.
final class BaselineDirectory {
    /// Where it is.
    let path: String
    /// Whether it is a tmpfs we mounted.
    let isTmpfs: Bool

    /// Mounts a tmpfs at `<scratch>/baseline`.
    init(in scratch: ScratchDirectory) throws {
        path = "\(scratch.path)/baseline"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        isTmpfs = (try? Shell.run("mount -t tmpfs -o size=4g,mode=0755 bento-it-baseline \(Shell.quote(path))",
                                  timeLimit: 20))?.status == 0
    }

    deinit {
        if isTmpfs { BentoMount.stop(pid: nil, mountPoint: path) }
    }
}
