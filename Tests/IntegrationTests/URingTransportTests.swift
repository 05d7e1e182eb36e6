import BentoTesting
import Foundation
import Testing

/// `-o transport=uring`: memfs and xv6fs served through FUSE over io_uring run the suite's real programs with the
/// same results as tmpfs, end with status 0 at umount and upgrade live; an unknown transport is refused before
/// anything is mounted. The workloads are the suite's own tests, called with `TestEnvironment.transport` bound to
/// `uring` (their mounts then ask for it and check `bento status` shows it). The default, `auto`, serves over the
/// ring where the kernel can and falls back to /dev/fuse, saying why, where it cannot.
@Suite("FUSE over io_uring", .enabled(if: TestEnvironment.runsMountTests), .serialized)
struct URingTransportTests {
    /// The file systems the ring is tried with: one in memory, one on a device.
    static let kinds: [FileSystemKind] = [.memfs, .xv6fs]

    @Test(arguments: kinds)
    func realProgramsMatchTmpfsOverTheRing(_ kind: FileSystemKind) throws {
        try TestEnvironment.$transport.withValue("uring") {
            let workloads = TreeWorkloadTests()
            try workloads.copyArchiveReproducesTheSourceTree(kind)
            try workloads.tarExtractAndCreateRoundTrip(kind)
            try workloads.recursiveGrepFindsTheSameLines(kind)
            try workloads.gitRepositoryLifecycleAndLocalClone(kind)
        }
    }

    @Test(arguments: kinds)
    func umountEndsARingDaemonWithStatusZero(_ kind: FileSystemKind) throws {
        try TestEnvironment.$transport.withValue("uring") {
            try LifecycleTests().umountEndsAForegroundDaemonWithStatusZeroTwice(kind)
        }
    }

    @Test func memfsUpgradesLiveOverTheRing() throws {
        try TestEnvironment.$transport.withValue("uring") {
            try LiveUpgradeTests().memfsUpgradesBackAndForthUnderLoadLoseNothing()
        }
    }

    @Test func anUnknownTransportIsRefusedBeforeMounting() throws {
        let scratch = try ScratchDirectory("transport")
        let mountPoint = "\(scratch.path)/mnt"
        try Shell.check("mkdir -p \(Shell.quote(mountPoint))")
        let refused = try Shell.run("""
            \(Shell.quote(TestEnvironment.bentoBinary)) mount --fs memfs -o transport=carrier-pigeon word \
              \(Shell.quote(mountPoint))
            """, timeLimit: 30)
        #expect(refused.status != 0, "\(refused)")
        #expect(refused.stderr.contains("transport must be one of auto, dev, uring, not 'carrier-pigeon'"), "\(refused)")
        #expect(MountTable.entry(at: mountPoint) == nil, "\(mountPoint) was mounted")
    }

    /// A mount without `-o transport` (the default, `auto`) is served over the ring wherever the kernel can serve
    /// it — on this machine it can — and `bento status` shows `uring`; its files work and umount ends it.
    @Test(arguments: kinds)
    func aMountWithoutATransportUsesTheRingWhereTheKernelCanServeIt(_ kind: FileSystemKind) throws {
        try TestEnvironment.$transport.withValue(nil) {
            let scratch = try ScratchDirectory("auto-\(kind.rawValue)")
            let mount = try BentoMount(kind, in: scratch)
            try TestEnvironment.expectTransport(at: mount.mountPoint, shows: TestEnvironment.autoTransport(asRoot: true))
            let io = try Shell.run("seq 20000 > numbers && seq 20000 | cmp - numbers && ls", in: mount.mountPoint, timeLimit: 60)
            #expect(io.status == 0 && io.stdout == "numbers\n", "\(io)")
            try mount.unmount()
        }
    }

    /// Where the kernel has no FUSE over io_uring, an explicit `transport=uring` is refused before anything is
    /// mounted, with the reason and the fix, while the default falls back to /dev/fuse: one log line with the
    /// reason, `dev(auto)` in `bento status`. The kernel is made to look that way to the daemons only: they run in
    /// a private mount namespace where a tmpfs hides the fuse module's parameters, so the machine's `enable_uring`
    /// (which every other mount reads) stays as it is, and the mount is never seen outside that namespace.
    @Test func withoutRingSupportUringIsRefusedAndTheDefaultFallsBackToDev() throws {
        let scratch = try ScratchDirectory("no-uring")
        let bento = TestEnvironment.bentoBinary
        let result = try Shell.run(#"""
            mkdir -p "$DIR/mnt" "$DIR/run"
            exec unshare --mount --propagation private bash -c '
              set -u
              mount -t tmpfs bento-no-uring /sys/module/fuse/parameters
              "$BENTO" mount --fs memfs -o transport=uring word "$DIR/mnt" 2> "$DIR/uring.err"
              echo $? > "$DIR/uring.status"
              "$BENTO" mount --fs memfs --pid-file "$DIR/daemon.pid" word "$DIR/mnt" 2> "$DIR/auto.err" || exit 1
              trap "umount \"\$DIR/mnt\" 2>/dev/null" EXIT
              echo hi > "$DIR/mnt/f" && cat "$DIR/mnt/f"
              "$BENTO" status > "$DIR/status.out"
              umount "$DIR/mnt"
            '
            """#, environment: ["DIR": scratch.path, "BENTO": bento, "BENTO_RUNTIME_DIR": "\(scratch.path)/run"],
            timeLimit: 60)
        defer { Self.stopDaemon(pidFile: "\(scratch.path)/daemon.pid") }
        #expect(result.status == 0 && result.stdout == "hi\n", "\(result)")
        let read = { (name: String) in (try? String(contentsOfFile: "\(scratch.path)/\(name)", encoding: .utf8)) ?? "" }
        #expect(read("uring.status") != "0\n", "transport=uring mounted without FUSE over io_uring")
        #expect(read("uring.err").contains("""
            transport=uring needs FUSE over io_uring (Linux 6.14+ built with CONFIG_FUSE_IO_URING): \
            /sys/module/fuse/parameters/enable_uring does not exist here; use transport=dev
            """), "\(read("uring.err"))")
        let fallbacks = read("auto.err").split(separator: "\n").filter { $0.contains("transport=auto serves through /dev/fuse") }
        #expect(fallbacks.count == 1 && fallbacks.allSatisfy { $0.contains("this kernel has no FUSE over io_uring") },
                "the daemon's log: \(read("auto.err"))")
        let row = read("status.out").split(separator: "\n").map { $0.split(separator: " ") }
            .first { $0.first.map(String.init) == "\(scratch.path)/mnt" }
        #expect(row.map { $0.count > 6 ? String($0[5]) : "" } == "dev(auto)" && row?.last == "rw", "bento status: \(read("status.out"))")
    }

    /// Waits for the daemon whose pid `pidFile` names to exit after its umount; kills it after 10 s.
    static func stopDaemon(pidFile: String) {
        let text = (try? String(contentsOfFile: pidFile, encoding: .utf8)) ?? ""
        guard let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { return }
        if !MountTable.wait(upTo: 10, until: { !ProcessProbe.isAlive(pid) }) {
            Issue.record("daemon \(pid) still running 10 s after its umount; killed")
            kill(pid, SIGKILL)
        }
    }
}
