import BentoTesting
import Foundation
import Testing

// mount(8) and fstab: `mount -T FSTAB DIRECTORY` with lines of type `fuse.bento` reaches `bento` through its helper
// (/usr/sbin/mount.fuse.bento, a link to the binary that `scripts/install` makes), which drops the options only
// mount(8), fstab and systemd read and mounts with the rest.

@Suite(.enabled(if: TestEnvironment.runsMountTests), .serialized)
struct MountHelperTests {
    /// mount(8)'s helper pointing at the binary under test while a test runs; the link that was there (or none)
    /// comes back when it ends.
    final class HelperLink {
        static let path = "/usr/sbin/mount.fuse.bento"
        private let previous: String?

        init() throws {
            previous = try? FileManager.default.destinationOfSymbolicLink(atPath: Self.path)
            try Shell.check("ln -sfn \(Shell.quote(TestEnvironment.bentoBinary)) \(Self.path)", timeLimit: 10)
        }

        deinit {
            let restore = previous.map { "ln -sfn \(Shell.quote($0)) \(Self.path)" } ?? "rm -f \(Self.path)"
            _ = try? Shell.run(restore, timeLimit: 10)
        }
    }

    @Test func fstabLinesOfTypeFuseBentoMountThroughTheHelper() throws {
        let helper = try HelperLink()
        let scratch = try ScratchDirectory("fstab")
        let image = "\(scratch.path)/disk.img", disk = "\(scratch.path)/disk", scratchMount = "\(scratch.path)/scratch"
        let fstab = "\(scratch.path)/fstab"
        defer { for directory in [disk, scratchMount] { BentoMount.stop(pid: nil, mountPoint: directory) } }
        try Shell.check("""
            \(Shell.quote(TestEnvironment.bentoBinary)) mkfs \(image) --size 64M && mkdir -p \(disk) \(scratchMount) && cat > \(fstab) <<'END'
            \(image) \(disk) fuse.bento fs=xv6fs,nofail,x-systemd.automount,_netdev,noatime,defaults 0 0
            scratch \(scratchMount) fuse.bento fs=memfs,noauto,comment=tmp 0 0
            END
            """, timeLimit: 30)
        try Shell.check("mount -T \(fstab) \(disk) && mount -T \(fstab) \(scratchMount)", timeLimit: 30)
        let entry = MountTable.entry(at: disk)
        #expect(entry?.type == "fuse.xv6fs" && entry?.source == image)
        #expect(try Shell.check("grep -F ' \(disk) ' /proc/mounts").stdout.contains("noatime"))
        #expect(MountTable.entry(at: scratchMount)?.type == "fuse.memfs")
        try Shell.check("echo kept > \(disk)/f && umount \(disk) && mount -T \(fstab) \(disk)", timeLimit: 30)
        #expect(try Shell.check("cat \(disk)/f").stdout == "kept\n", "the image was mounted again")
        try Shell.check("umount \(disk) \(scratchMount)", timeLimit: 30)

        let refused = try Shell.run("mount -t fuse.bento -o fs=memfs,bogus scratch \(scratchMount)", timeLimit: 30)
        #expect(refused.status != 0 && refused.output.contains("-o bogus: not an option of memfs"), "\(refused.output)")
        #expect(MountTable.entry(at: scratchMount) == nil)
        withExtendedLifetime(helper) {}
    }
}
