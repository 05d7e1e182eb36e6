import BentoTesting
import Foundation
import Testing

/// How mounts begin and end: SIGTERM to the daemon during writes, and repeated mount/umount cycles.
@Suite("Mount lifecycle", .enabled(if: TestEnvironment.runsMountTests), .serialized)
struct LifecycleTests {
    @Test(arguments: FileSystemKind.allCases)
    func sigtermDuringWritesUnmountsAndStopsTheWriter(_ kind: FileSystemKind) throws {
        let scratch = try ScratchDirectory("sigterm-\(kind.rawValue)")
        let mount = try BentoMount(kind, in: scratch)
        // The writer works inside the mount (its cwd), so once the mount is gone it must get errors, not
        // fall through to the empty directory underneath.
        let writer = try BackgroundCommand(#"""
            i=0
            while dd if=/dev/zero of="f$((i % 4))" bs=64k count=16 status=none; do i=$((i + 1)); done
            echo "writer stopped after $i rounds" >&2
            exit 3
            """#, in: mount.mountPoint, timeLimit: 60)
        defer { _ = writer.wait(upTo: 15) }
        Thread.sleep(forTimeInterval: 1)
        #expect(writer.wait(upTo: 0) == nil, "the writer stopped before SIGTERM")

        #expect(kill(mount.pid, SIGTERM) == 0)
        #expect(MountTable.wait(upTo: 5) { !mount.isMounted }, "\(mount.mountPoint) still in /proc/mounts 5 s after SIGTERM")
        #expect(MountTable.wait(upTo: 10) { !ProcessProbe.isAlive(mount.pid) }, "daemon \(mount.pid) alive 10 s after SIGTERM")
        let ended = writer.wait(upTo: 15)
        #expect(ended != nil, "the writer hangs 15 s after SIGTERM to the daemon")
        if let ended {
            #expect(ended.status != 0 && !ended.timedOut, "\(ended)")
        }
        let look = try Shell.run("ls -la \(Shell.quote(mount.mountPoint)) && stat \(Shell.quote(mount.mountPoint))", timeLimit: 10)
        #expect(!look.timedOut, "listing the former mount point hangs")
    }

    /// `umount` returns before the daemon has exited, and for that moment it still holds the image's lock: a mount
    /// right then waits for the lock instead of failing (issue 20, item 6). Here `flock` holds it for 1.5 s with
    /// the image mounted nowhere, as an exiting daemon would.
    @Test func aMountWaitsForTheImageLockOfADaemonThatIsExiting() throws {
        let scratch = try ScratchDirectory("relock")
        let image = try FileSystemKind.xv6fs.makeSource(in: scratch)
        let mountPoint = "\(scratch.path)/mnt"
        try Shell.check("mkdir -p \(Shell.quote(mountPoint))")
        defer {
            BentoMount.stop(pid: nil, mountPoint: mountPoint)
            FileSystemKind.xv6fs.checkSource(image)
        }
        let holder = try BackgroundCommand("exec flock -x \(Shell.quote(image)) sleep 1.5", timeLimit: 30)
        try #require(MountTable.wait(upTo: 5) { (try? Shell.run("flock -n \(Shell.quote(image)) true").status) == 1 },
                     "flock did not take the image's lock")
        let mounted = try Shell.run("""
            \(Shell.quote(TestEnvironment.bentoBinary)) mount --fs xv6fs \(TestEnvironment.transportOption) \
              \(Shell.quote(image)) \(Shell.quote(mountPoint))
            """, timeLimit: 60)
        #expect(mounted.status == 0, "\(mounted)")
        #expect(MountTable.entry(at: mountPoint)?.type.hasPrefix("fuse") == true)
        _ = holder.wait(upTo: 10)
        try Shell.check("umount \(Shell.quote(mountPoint))", timeLimit: 30)
    }

    @Test(arguments: FileSystemKind.allCases)
    func umountEndsAForegroundDaemonWithStatusZeroTwice(_ kind: FileSystemKind) throws {
        let scratch = try ScratchDirectory("cycle-\(kind.rawValue)")
        let mountPoint = "\(scratch.path)/mnt"
        let source = try kind.makeSource(in: scratch)
        try Shell.check("mkdir -p \(Shell.quote(mountPoint))")
        defer {
            BentoMount.stop(pid: nil, mountPoint: mountPoint)
            kind.checkSource(source)
        }

        for cycle in 1...2 {
            let daemon = try BackgroundCommand("""
                exec \(Shell.quote(TestEnvironment.bentoBinary)) mount --foreground --fs \(kind.rawValue) \
                  \(TestEnvironment.transportOption) \(Shell.quote(source)) \(Shell.quote(mountPoint))
                """, timeLimit: 120)
            let live = MountTable.wait(upTo: 15) { MountTable.entry(at: mountPoint)?.type.hasPrefix("fuse") == true }
            try #require(live, "cycle \(cycle): no mount at \(mountPoint) 15 s after bento mount --foreground; \(daemon.wait(upTo: 1).map { "\($0)" } ?? "daemon still running")")

            let status = try Shell.run("\(Shell.quote(TestEnvironment.bentoBinary)) status", timeLimit: 20)
            #expect(status.status == 0 && status.stdout.contains(mountPoint) && status.stdout.contains(kind.rawValue),
                    "cycle \(cycle): bento status does not list the mount: \(status)")
            try TestEnvironment.expectTransport(at: mountPoint)

            let io = try Shell.run("""
                cd \(Shell.quote(mountPoint))
                [ \(cycle) = 1 ] || { [ \(kind.isPersistent) = true ] && cat kept; } || [ ! -e kept ]
                echo "cycle \(cycle)" > kept && seq 1 100000 > numbers && sha256sum numbers kept && cat kept
                """, timeLimit: 60)
            #expect(io.status == 0, "cycle \(cycle): \(io)")

            try Shell.check("umount \(Shell.quote(mountPoint))", timeLimit: 30)
            let exit = daemon.wait(upTo: 20)
            #expect(exit?.status == 0, "cycle \(cycle): the daemon after umount: \(exit.map { "\($0)" } ?? "still running 20 s later")")
            #expect(MountTable.entry(at: mountPoint) == nil)
        }
        if kind == .passthrough {
            let kept = try String(contentsOfFile: "\(source)/kept", encoding: .utf8)
            #expect(kept == "cycle 2\n", "the backing directory after two cycles")
        }
        if kind.usesImage {
            let kept = try Shell.check("printf 'cat /kept\\n' | \(Shell.quote(TestEnvironment.bentoBinary)) shell --fs \(kind.rawValue) \(Shell.quote(source))")
            #expect(kept.stdout == "cycle 2\n", "the image after two cycles, read in-process")
        }
    }
}
