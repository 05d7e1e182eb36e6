import BentoTesting
import Foundation
import Testing

// A crash of the real daemon: `kill -9` while a writer loops over write+fsync and rename+fsync on a mounted
// xv6fs image; then fsck, a remount (journal replay) and a check that every file whose fsync returned before the
// kill holds its data. Self-contained (Foundation and the built `bento` binary only).

/// The built `bento` (BENTO_BINARY, or beside the test bundle).
private let xv6Bento = TestEnvironment.bentoBinary

/// Where it can mount, and always under CI (where a missing prerequisite fails the test).
private let xv6CanMount = TestEnvironment.runsMountTests


@Suite(.serialized) struct XV6FSCrashTests {
    /// With `-o writeback` the data reaches xv6fs as the kernel writes its cached pages back; the writer runs the
    /// 128 MiB image full, and a write-back cut short by the full disk must fail the fsync, not vanish.
    @Test(.enabled(if: xv6CanMount, "needs root and /dev/fuse (CI=true makes it run)"), arguments: ["", "-o writeback"])
    func killNineDuringFsyncLoopLosesNothingFsynced(_ options: String) throws {
        let scratch = try Shell.run("mktemp -d /tmp/xv6crash.XXXXXX").output.trimmingCharacters(in: .whitespacesAndNewlines)
        defer { _ = try? Shell.run("umount -l \(scratch)/mnt 2>/dev/null || true; rm -rf \(scratch)") }
        let image = "\(scratch)/image", mnt = "\(scratch)/mnt", log = "\(scratch)/fsynced"
        try #require(Shell.run("mkdir \(mnt) && \(xv6Bento) mkfs --size 128M \(image)").status == 0)
        try #require(Shell.run("\(xv6Bento) mount \(options) --pid-file \(scratch)/pid \(image) \(mnt)").status == 0)
        // The writer logs a file's name and checksum only after the fsync (of the file, then of its directory
        // after the rename) returned.
        let writer = """
            import hashlib, os, sys
            mnt, log = sys.argv[1], sys.argv[2]
            out = open(log, "a")
            i = 0
            while True:
                data = os.urandom(1000 + (i * 7919) % 300000)
                tmp, final = f"{mnt}/tmp{i}", f"{mnt}/f{i}"
                with open(tmp, "wb") as f:
                    f.write(data); f.flush(); os.fsync(f.fileno())
                os.rename(tmp, final)
                d = os.open(mnt, os.O_RDONLY); os.fsync(d); os.close(d)
                out.write(f"f{i} {hashlib.sha1(data).hexdigest()}\\n"); out.flush()
                i += 1
            """
        try writer.write(toFile: "\(scratch)/writer.py", atomically: true, encoding: .utf8)
        try Shell.run("(python3 \(scratch)/writer.py \(mnt) \(log) >/dev/null 2>&1 &) ; sleep 3; kill -9 $(cat \(scratch)/pid); sleep 1")
        // The dead mount answers at once, and with ENOTCONN: nothing hangs on it.
        let dead = try Shell.run("timeout 10 stat \(mnt)/f0", timeLimit: 20)
        #expect(dead.output.contains("Transport endpoint is not connected"), "after kill -9: \(dead.output)")
        try Shell.run("umount -l \(mnt) 2>/dev/null || fusermount3 -uz \(mnt) 2>/dev/null; sleep 0.5")
        let fsynced = (try? String(contentsOfFile: log, encoding: .utf8))?.split(separator: "\n") ?? []
        #expect(fsynced.count > 3, "the writer got \(fsynced.count) fsyncs done in 3 s")
        let before = try Shell.run("\(xv6Bento) fsck \(image)")
        #expect(before.status == 0, "fsck before the remount: \(before.output)")
        try #require(Shell.run("\(xv6Bento) mount \(image) \(mnt)").status == 0)
        for line in fsynced {
            let parts = line.split(separator: " ")
            guard parts.count == 2 else { continue }
            let sum = try Shell.run("sha1sum \(mnt)/\(parts[0]) | cut -d' ' -f1").output.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(sum == String(parts[1]), "\(String(parts[0])) lost its fsync'd data")
        }
        try Shell.run("umount \(mnt); for i in $(seq 50); do \(xv6Bento) fsck \(image) >/dev/null 2>&1 && break; sleep 0.2; done")
        let after = try Shell.run("\(xv6Bento) fsck \(image)")
        #expect(after.status == 0, "fsck after the remount: \(after.output)")
    }
}
