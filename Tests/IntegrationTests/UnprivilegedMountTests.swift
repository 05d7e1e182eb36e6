import BentoTesting
import Foundation
import Testing

/// Mounting as an ordinary user goes through the setuid `fusermount3` (Debian's `fuse3`), which opens
/// `/dev/fuse` as that user: Debian's udev makes the node 0666. This machine's node is 0600, so the test lends it
/// Debian's mode for its duration and puts the original back, whatever happens. An ordinary user's mount uses
/// FUSE over io_uring by default where the fuse module's `enable_uring` is on (the kernel asks no privilege for
/// the ring's commands) and falls back to /dev/fuse where it is off, which only root could change.
@Suite(.serialized, .enabled(if: TestEnvironment.runsMountTests))
struct UnprivilegedMountTests {
    /// Restores `/dev/fuse`'s permission bits when dropped.
    final class DeviceModeLoan {
        let original: Int
        init() throws {
            original = try (FileManager.default.attributesOfItem(atPath: "/dev/fuse")[.posixPermissions] as? Int) ?? 0o600
            try FileManager.default.setAttributes([.posixPermissions: 0o666], ofItemAtPath: "/dev/fuse")
        }
        deinit { try? FileManager.default.setAttributes([.posixPermissions: original], ofItemAtPath: "/dev/fuse") }
    }

    @Test func anOrdinaryUserMountsThroughFusermountAndOwnsWhatItCreates() throws {
        let loan = try DeviceModeLoan()
        let scratch = try ScratchDirectory("unprivileged")
        let mountPoint = scratch.path + "/mnt", runtime = scratch.path + "/run"
        try Shell.check("mkdir -p \(Shell.quote(mountPoint)) \(Shell.quote(runtime)) && chown nobody \(Shell.quote(mountPoint)) \(Shell.quote(runtime)) && chmod 755 \(Shell.quote(scratch.path))")
        let asNobody = "setpriv --reuid=65534 --regid=65534 --clear-groups env BENTO_RUNTIME_DIR=\(Shell.quote(runtime))"
        defer { BentoMount.stop(pid: nil, mountPoint: mountPoint) }
        try Shell.check("\(asNobody) \(Shell.quote(TestEnvironment.bentoBinary)) mount --fs memfs mine \(Shell.quote(mountPoint))", timeLimit: 30)
        let entry = try #require(MountTable.entry(at: mountPoint))
        #expect(entry.type == "fuse.memfs")
        let mounts = try String(contentsOfFile: "/proc/mounts", encoding: .utf8)
        #expect(mounts.contains(" \(mountPoint) fuse.memfs ") && mounts.contains("user_id=65534"))
        // Without allow_other only the mounting user may enter the mount (root included is kept out), so every
        // look inside runs as that user.
        let made = try Shell.check("""
            \(asNobody) sh -c 'echo hi > \(mountPoint)/f && mkdir \(mountPoint)/d && cat \(mountPoint)/f && \
            stat -c "%u:%g %n" \(mountPoint)/f \(mountPoint)/d'
            """, timeLimit: 30)
        #expect(try Shell.run("stat \(Shell.quote(mountPoint))/f").status != 0)
        #expect(made.stdout.contains("hi\n"))
        #expect(made.stdout.contains("65534:65534 \(mountPoint)/f"))
        #expect(made.stdout.contains("65534:65534 \(mountPoint)/d"))
        let status = try Shell.check("\(asNobody) \(Shell.quote(TestEnvironment.bentoBinary)) status", timeLimit: 30)
        #expect(status.stdout.contains(mountPoint))
        // The control socket answers root and the mount's owner only, even with its mode widened for everyone.
        try Shell.check("chmod 755 \(Shell.quote(runtime)) && chmod 666 \(Shell.quote(runtime))/*.sock")
        let stranger = try Shell.check("""
            setpriv --reuid=4321 --regid=4321 --clear-groups env BENTO_RUNTIME_DIR=\(Shell.quote(runtime)) \
            \(Shell.quote(TestEnvironment.bentoBinary)) status
            """, timeLimit: 30)
        #expect(!stranger.stdout.contains(mountPoint), "another user reached the daemon: \(stranger.stdout)")
        let root = try Shell.check("BENTO_RUNTIME_DIR=\(Shell.quote(runtime)) \(Shell.quote(TestEnvironment.bentoBinary)) status",
                                   timeLimit: 30)
        #expect(root.stdout.contains(mountPoint), "root was refused: \(root.stdout)")
        let expected = TestEnvironment.autoTransport(asRoot: false)
        var shown = ""
        let served = MountTable.wait(upTo: 10) {
            shown = TestEnvironment.shownTransport(at: mountPoint, statusCommand: "\(asNobody) \(Shell.quote(TestEnvironment.bentoBinary)) status")
            return shown == expected
        }
        #expect(served, "bento status shows transport \(shown) for \(mountPoint), not \(expected)")
        try Shell.check("\(asNobody) fusermount3 -u \(Shell.quote(mountPoint))", timeLimit: 30)
        #expect(MountTable.wait(upTo: 5) { MountTable.entry(at: mountPoint) == nil })
        withExtendedLifetime(loan) {}
    }

    /// With `enable_uring` off, an ordinary user's mount cannot use the ring (only root may turn it on): an explicit
    /// `transport=uring` is refused with the fix, and the default falls back to /dev/fuse — one log line with the
    /// reason, `dev(auto)` in `bento status`. The switch is off for these daemons only: they run in a private mount
    /// namespace where a file reading `N` is bound over `enable_uring`, so the machine's switch (which every other
    /// mount reads, and which root mounts running meanwhile would turn back on) stays as it is.
    @Test func withTheSwitchOffAnOrdinaryUsersMountFallsBackToDev() throws {
        let loan = try DeviceModeLoan()
        let scratch = try ScratchDirectory("unprivileged-off")
        let mountPoint = scratch.path + "/mnt", runtime = scratch.path + "/run"
        try Shell.check("""
            mkdir -p \(Shell.quote(mountPoint)) \(Shell.quote(runtime)) && chown nobody \(Shell.quote(mountPoint)) \(Shell.quote(runtime)) \
              && chmod 755 \(Shell.quote(scratch.path)) && echo N > \(Shell.quote(scratch.path))/switch-off
            """)
        let result = try Shell.run(#"""
            exec unshare --mount --propagation private bash -c '
              set -u
              asNobody() { setpriv --reuid=65534 --regid=65534 --clear-groups env BENTO_RUNTIME_DIR="$RUN" "$@"; }
              mount --bind "$DIR/switch-off" /sys/module/fuse/parameters/enable_uring
              asNobody "$BENTO" mount --fs memfs -o transport=uring mine "$MNT" 2> "$DIR/uring.err"
              echo $? > "$DIR/uring.status"
              asNobody "$BENTO" mount --fs memfs --pid-file "$RUN/daemon.pid" mine "$MNT" 2> "$DIR/auto.err" || exit 1
              trap "setpriv --reuid=65534 --regid=65534 --clear-groups fusermount3 -u -z \"\$MNT\" 2>/dev/null" EXIT
              asNobody sh -c "echo hi > \"\$0/f\" && cat \"\$0/f\"" "$MNT"
              asNobody "$BENTO" status > "$DIR/status.out"
              asNobody fusermount3 -u "$MNT"
            '
            """#, environment: ["DIR": scratch.path, "RUN": runtime, "MNT": mountPoint,
                                "BENTO": TestEnvironment.bentoBinary], timeLimit: 60)
        defer { URingTransportTests.stopDaemon(pidFile: runtime + "/daemon.pid") }
        #expect(result.status == 0 && result.stdout == "hi\n", "\(result)")
        let read = { (name: String) in (try? String(contentsOfFile: "\(scratch.path)/\(name)", encoding: .utf8)) ?? "" }
        #expect(read("uring.status") != "0\n", "transport=uring mounted with the switch off")
        #expect(read("uring.err").contains("""
            transport=uring: FUSE over io_uring is off (/sys/module/fuse/parameters/enable_uring is N); as root: \
            echo Y > /sys/module/fuse/parameters/enable_uring, or use transport=dev
            """), "\(read("uring.err"))")
        let fallbacks = read("auto.err").split(separator: "\n").filter { $0.contains("transport=auto serves through /dev/fuse") }
        #expect(fallbacks.count == 1 && fallbacks.allSatisfy { $0.contains("is N) and only root can turn it on") },
                "the daemon's log: \(read("auto.err"))")
        let row = read("status.out").split(separator: "\n").map { $0.split(separator: " ") }
            .first { $0.first.map(String.init) == mountPoint }
        #expect(row.map { $0.count > 6 ? String($0[5]) : "" } == "dev(auto)" && row?.last == "rw", "bento status: \(read("status.out"))")
        withExtendedLifetime(loan) {}
    }
}
