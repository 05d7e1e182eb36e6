import BentoTesting
import Foundation
import Testing

// Whole-daemon upgrade (`bento upgrade --daemon`): a new `bento` process takes a live mount over from the daemon
// serving it while scripts/upgrade_load.py runs 10 writer threads (create, write, fsync, read back, unlink) and a
// reader, each also reading through a descriptor opened before the first handoff. Nothing may fail or read wrong;
// each handoff leaves a new daemon serving (a new pid in `bento status`, the old process gone) and the mount never
// leaves /proc/mounts; xv6fs is fsck-clean after unmount. Then the failure paths: each leaves the running daemon
// serving, and says why.

/// Runs a bash script in the package root, returning what it did.
@discardableResult
private func handoffShell(_ script: String) throws -> CommandResult {
    try Shell.run("cd \(Shell.quote(handoffRoot)) && \(script)")
}

/// The package's root, found from this file's path.
private let handoffRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

@Suite(.serialized, .enabled(if: TestEnvironment.runsMountTests, "needs root and /dev/fuse (CI=true makes it run)"))
struct DaemonHandoffTests {
    private let bento = Shell.quote(TestEnvironment.bentoBinary)

    /// A scratch directory with a mount point and a pid file; whatever serves the mount when `body` returns is
    /// unmounted and stopped (a handoff changes the daemon, so the pid is read again at the end).
    private func withMount(_ type: String, _ body: (_ scratch: String, _ mountpoint: String) throws -> Void) throws {
        let scratch = try handoffShell("mktemp -d /tmp/bento-handoff.XXXXXX").output.trimmingCharacters(in: .whitespacesAndNewlines)
        let mountpoint = "\(scratch)/mnt"
        defer {
            let pid = daemonPid(scratch)
            _ = try? handoffShell("umount \(mountpoint) 2>/dev/null || umount -l \(mountpoint) 2>/dev/null || true")
            if let pid, !MountTable.wait(upTo: 20, until: { !ProcessProbe.isAlive(pid) }) { kill(pid, SIGKILL) }
            _ = try? handoffShell("rm -rf \(scratch)")
        }
        try #require(handoffShell("mkdir \(mountpoint)").status == 0)
        let source = type == "memfs" ? "handoff" : "\(scratch)/image"
        if type != "memfs" { try #require(handoffShell("\(bento) mkfs --size 256M \(source)").status == 0) }
        try #require(handoffShell("""
            \(bento) mount --fs \(type) -o transport=dev --pid-file \(scratch)/daemon.pid \(source) \(mountpoint)
            """).status == 0)
        try body(scratch, mountpoint)
    }

    /// The pid the daemon serving the mount wrote.
    private func daemonPid(_ scratch: String) -> Int32? {
        (try? String(contentsOfFile: "\(scratch)/daemon.pid", encoding: .utf8)).flatMap {
            Int32($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    /// The pid `bento status` shows for `mountpoint`.
    private func statusPid(_ mountpoint: String) throws -> Int32? {
        let rows = try handoffShell("\(bento) status").output.split(separator: "\n")
        let row = rows.map { $0.split(separator: " ").map(String.init) }.first { $0.first == mountpoint } ?? []
        return row.count > 3 ? Int32(row[3]) : nil
    }

    /// Hands the mount over every half second under the load for `seconds`; nothing may fail.
    private func handOffUnderLoad(_ scratch: String, _ mountpoint: String, seconds: Int) throws {
        let first = try #require(daemonPid(scratch))
        let run = try handoffShell("""
            python3 scripts/upgrade_load.py \(mountpoint) --bento \(bento) --modules daemon --seconds \(seconds) --every 0.5
            """)
        let summary = run.output.split(separator: "\n").last { $0.hasPrefix("ops=") }.map(String.init) ?? ""
        #expect(run.status == 0 && summary.contains(" failed_ops=0 ") && summary.contains(" failed_upgrades=0 "), "\(run.output)")
        let handoffs = summary.split(separator: " ").first { $0.hasPrefix("upgrades=") }.flatMap { Int($0.dropFirst(9)) } ?? 0
        #expect(handoffs >= seconds, "only \(handoffs) handoffs ran: \(summary)")
        let now = try #require(daemonPid(scratch))
        #expect(now != first && ProcessProbe.isAlive(now), "the pid file names the daemon serving now")
        #expect(!ProcessProbe.isAlive(first), "the first daemon exited")
        #expect(try statusPid(mountpoint) == now)
        #expect(MountTable.entry(at: mountpoint)?.type.hasPrefix("fuse") == true)
    }

    @Test func xv6fsIsHandedOverUnderLoadLosingNothingAndStaysFsckClean() throws {
        try withMount("xv6fs") { scratch, mountpoint in
            try handOffUnderLoad(scratch, mountpoint, seconds: 6)
            try #require(handoffShell("printf kept > \(mountpoint)/after && sync").status == 0)
            let pid = try #require(daemonPid(scratch))
            try #require(handoffShell("umount \(mountpoint)").status == 0)
            #expect(MountTable.wait(upTo: 20) { !ProcessProbe.isAlive(pid) }, "the last daemon exits at umount")
            let fsck = try handoffShell("\(bento) fsck \(scratch)/image")
            #expect(fsck.status == 0, "fsck after the handoffs: \(fsck.output)")
            // What was written survives: mount again and read it.
            try #require(handoffShell("\(bento) mount --fs xv6fs --pid-file \(scratch)/daemon.pid \(scratch)/image \(mountpoint)").status == 0)
            #expect(try handoffShell("cat \(mountpoint)/after").output == "kept")
        }
    }

    @Test func memfsIsHandedOverWithItsWholeTree() throws {
        try withMount("memfs") { scratch, mountpoint in
            try #require(handoffShell("mkdir -p \(mountpoint)/d && seq 1 20000 > \(mountpoint)/d/numbers && ln -s d/numbers \(mountpoint)/link").status == 0)
            try handOffUnderLoad(scratch, mountpoint, seconds: 3)
            #expect(try handoffShell("seq 1 20000 | cmp - \(mountpoint)/link").status == 0, "the tree went over")
        }
    }

    /// A new daemon that never takes over (it exits at once), and a mount served through FUSE over io_uring, which
    /// cannot be handed over: each says why, and the running daemon serves on, an open descriptor still reading.
    @Test func failedHandoffsSayWhyAndLeaveTheRunningDaemonServing() throws {
        try withMount("xv6fs") { scratch, mountpoint in
            try #require(handoffShell("printf kept > \(mountpoint)/file").status == 0)
            let open = try #require(FileHandle(forReadingAtPath: "\(mountpoint)/file"))
            defer { try? open.close() }
            let pid = try #require(daemonPid(scratch))
            let failed = try handoffShell("\(bento) upgrade --daemon --binary /bin/false \(mountpoint) 2>&1")
            #expect(failed.status != 0 && failed.output.contains("did not take"), "\(failed.output)")
            #expect(try statusPid(mountpoint) == pid)
            #expect(String(decoding: try open.read(upToCount: 10) ?? Data(), as: UTF8.self) == "kept")
            #expect(try handoffShell("printf more >> \(mountpoint)/file && cat \(mountpoint)/file").output == "keptmore")
        }
        guard TestEnvironment.autoTransport(asRoot: true) == "uring" else { return }  // no ring on this kernel
        let scratch = try handoffShell("mktemp -d /tmp/bento-handoff.XXXXXX").output.trimmingCharacters(in: .whitespacesAndNewlines)
        defer { _ = try? handoffShell("umount \(scratch)/mnt 2>/dev/null || umount -l \(scratch)/mnt 2>/dev/null; rm -rf \(scratch)") }
        try #require(handoffShell("mkdir \(scratch)/mnt && \(bento) mount --fs memfs -o transport=uring ring \(scratch)/mnt").status == 0)
        let refused = try handoffShell("\(bento) upgrade --daemon \(scratch)/mnt 2>&1")
        #expect(refused.status != 0 && refused.output.contains("io_uring") && refused.output.contains("transport=dev"), "\(refused.output)")
        #expect(try handoffShell("echo still > \(scratch)/mnt/x && cat \(scratch)/mnt/x").output == "still\n")
    }
}
