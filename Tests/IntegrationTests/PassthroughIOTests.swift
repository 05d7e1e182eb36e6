import BentoTesting
import Foundation
import Testing

// FUSE passthrough on a mounted passthrough file system (on by default where the kernel offers it): data written and
// read with real programs moves between the caller and the host file without READ or WRITE requests reaching the
// daemon (`bento stats` stops counting them), mmap maps the host file, and the writeback cache or
// `-o passthrough=off` sends the same I/O through the daemon again. The real-program suites (TreeWorkloadTests and
// the rest) run on passthrough mounts too, so they cover its everyday behaviour. Also what passthrough must do
// beyond the kernel's checks: act with the caller's groups, and refuse a mount that would skip those checks.
@Suite(.enabled(if: TestEnvironment.runsMountTests), .serialized)
struct PassthroughIOTests {
    /// READ and WRITE requests the daemon has received for `mount`, from `bento stats MOUNTPOINT`.
    private func dataRequests(_ mount: BentoMount) throws -> (reads: Int, writes: Int) {
        let stats = "\(Shell.quote(TestEnvironment.bentoBinary)) stats \(Shell.quote(mount.mountPoint))"
        let table = try Shell.check(stats)
        var counts: [String: Int] = [:]
        for row in table.stdout.split(separator: "\n").map({ $0.split(separator: " ") }) where row.count >= 3 {
            counts[String(row[row.count - 2])] = Int(row[row.count - 1])
        }
        return (counts["read"] ?? 0, counts["write"] ?? 0)
    }

    /// The SHA-256 of `path`, read with `sha256sum`.
    private func sha256(_ path: String) throws -> String {
        String(try Shell.check("sha256sum \(Shell.quote(path))").stdout.prefix(64))
    }

    /// Writes `mebibytes` MiB of random data to `name` through `mount` with dd, reads it back with dd, and expects
    /// the host file to hold the same bytes. Returns the READ and WRITE requests the daemon received meanwhile.
    private func copyThrough(_ mount: BentoMount, name: String, mebibytes: Int) throws -> (reads: Int, writes: Int) {
        let (file, hostFile) = ("\(mount.mountPoint)/\(name)", "\(mount.source)/\(name)")
        let before = try dataRequests(mount)
        try Shell.check("""
            dd if=/dev/urandom of=\(Shell.quote(file)) bs=1M count=\(mebibytes) conv=fsync status=none
            dd if=\(Shell.quote(file)) of=/dev/null bs=1M status=none
            """)
        #expect(try sha256(file) == sha256(hostFile))
        #expect(try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int == mebibytes << 20)
        let after = try dataRequests(mount)
        return (after.reads - before.reads, after.writes - before.writes)
    }

    @Test func ddMovesDataWithoutReadsOrWritesReachingTheDaemon() throws {
        let scratch = try ScratchDirectory("passthrough-dd")
        let mount = try BentoMount(.passthrough, in: scratch)
        let requests = try copyThrough(mount, name: "big", mebibytes: 64)
        #expect(requests.reads == 0 && requests.writes == 0, "the daemon saw \(requests) for 64 MiB moved")
        try mount.unmount()
    }

    @Test(arguments: [["passthrough=off"], ["writeback"]])
    func withoutPassthroughTheSameIOReachesTheDaemon(_ options: [String]) throws {
        let scratch = try ScratchDirectory("passthrough-off")
        let mount = try BentoMount(.passthrough, in: scratch, options: options)
        let requests = try copyThrough(mount, name: "file", mebibytes: 8)
        #expect(requests.writes >= 8, "the daemon saw \(requests) for 8 MiB written with -o \(options)")
        try mount.unmount()
    }

    @Test func mmapThroughTheMountMapsTheHostFile() throws {
        let scratch = try ScratchDirectory("passthrough-mmap")
        let mount = try BentoMount(.passthrough, in: scratch)
        let (file, hostFile) = ("\(mount.mountPoint)/mapped", "\(mount.source)/mapped")
        try Shell.check("dd if=/dev/urandom of=\(Shell.quote(hostFile)) bs=64K count=16 status=none")
        let original = try sha256(hostFile)
        let before = try dataRequests(mount)
        // Reads the whole file through a shared mapping, then changes its first bytes through the mapping.
        let script = """
            import hashlib, mmap, sys
            with open(sys.argv[1], "r+b") as f:
                m = mmap.mmap(f.fileno(), 0)
                print(hashlib.sha256(m[:]).hexdigest())
                m[0:6] = b"mapped"
                m.flush()
                m.close()
            """
        let mapped = try Shell.check("python3 -c \(Shell.quote(script)) \(Shell.quote(file))").stdout
        #expect(mapped == original + "\n")
        #expect(try Shell.check("head -c 6 \(Shell.quote(hostFile))").stdout == "mapped")
        let after = try dataRequests(mount)
        #expect(after.reads == before.reads && after.writes == before.writes)
        try mount.unmount()
    }

    /// Passthrough acts on its source with the daemon's rights, so `allow_other` without `default_permissions`
    /// would let every user act as the daemon: refused before anything is mounted.
    @Test func statShowsTheHostsInodeNumbersAlsoAfterTheKernelForgets() throws {
        let scratch = try ScratchDirectory("passthrough-ino")
        let mount = try BentoMount(.passthrough, in: scratch)
        let (host, mounted) = (mount.source, mount.mountPoint)
        try Shell.check("echo x > \(host)/a && ln \(host)/a \(host)/b && mkdir \(host)/d")
        let inodes = { () throws -> String in
            try Shell.check("stat -c %i \(mounted)/a \(mounted)/b \(mounted)/d \(mounted)/d/..; ls -i \(mounted) | sort").stdout
        }
        let expected = try Shell.check("stat -c %i \(host)/a \(host)/b \(host)/d \(host); ls -i \(host) | sort").stdout
        #expect(try inodes() == expected, "hard links share the host's inode number; a listing shows it too")
        try Shell.check("sync; echo 3 > /proc/sys/vm/drop_caches")
        #expect(try inodes() == expected, "the same numbers once the kernel forgot the inodes")
        try mount.unmount()
    }

    @Test func allowOtherWithoutDefaultPermissionsIsRefused() throws {
        let scratch = try ScratchDirectory("passthrough-door")
        let (source, mountPoint) = ("\(scratch.path)/source", "\(scratch.path)/mnt")
        try Shell.check("mkdir -p \(Shell.quote(source)) \(Shell.quote(mountPoint))")
        let refused = try Shell.run("""
            \(Shell.quote(TestEnvironment.bentoBinary)) mount --fs passthrough -o allow_other,no_default_permissions \
            \(Shell.quote(source)) \(Shell.quote(mountPoint))
            """, timeLimit: 30)
        #expect(refused.status != 0 && refused.stderr.contains("allow_other needs default_permissions"), "\(refused)")
        #expect(MountTable.entry(at: mountPoint) == nil)
        if MountTable.entry(at: mountPoint) != nil { BentoMount.detach(mountPoint) }
    }

    /// A caller acts with its supplementary groups on every file system, passthrough included (whose host calls
    /// run as the caller, and which must find the groups itself: FUSE requests carry none): a non-root owner
    /// changes a file's group to one of its groups, creates and removes in a directory writable through one, and
    /// keeps set-group-id on chmod as a member of the file's group; a group it is not in lends it nothing.
    @Test(arguments: FileSystemKind.allCases)
    func supplementaryGroupsCount(_ kind: FileSystemKind) throws {
        let scratch = try ScratchDirectory("groups")
        let mount = try BentoMount(kind, in: scratch, options: ["allow_other"])
        let mnt = mount.mountPoint
        try Shell.check("chmod 777 \(mnt) && mkdir \(mnt)/shared && chgrp 2000 \(mnt)/shared && chmod 2770 \(mnt)/shared")
        try Shell.check("echo root > \(mnt)/rootgroup && chmod 664 \(mnt)/rootgroup")
        let asMember = "setpriv --reuid=1000 --regid=1000 --groups=2000"
        let done = try Shell.run("""
            cd \(mnt) && \(asMember) sh -c 'touch mine && chgrp 2000 mine && chmod 2755 mine && \
            echo in > shared/made && stat -c "%g %a" mine shared/made && rm shared/made && echo removed'
            """, timeLimit: 30)
        #expect(done.status == 0 && done.stdout == "2000 2755\n2000 644\nremoved\n", "\(kind): \(done)")
        let refused = try Shell.run("cd \(mnt) && \(asMember) sh -c 'echo more >> rootgroup'", timeLimit: 30)
        #expect(refused.status != 0 && refused.stderr.contains("Permission denied"), "\(kind): \(refused)")
        try mount.unmount()
    }
}
