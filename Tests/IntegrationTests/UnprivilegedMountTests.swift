import Foundation
import Testing

/// Mounting as an ordinary user goes through the setuid `fusermount3` (Debian's `fuse3`), which opens
/// `/dev/fuse` as that user: Debian's udev makes the node 0666. This machine's node is 0600, so the test lends it
/// Debian's mode for its duration and puts the original back, whatever happens.
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
        try Shell.check("\(asNobody) fusermount3 -u \(Shell.quote(mountPoint))", timeLimit: 30)
        #expect(MountTable.wait(upTo: 5) { MountTable.entry(at: mountPoint) == nil })
        withExtendedLifetime(loan) {}
    }
}
