import Foundation
import Testing

// A crash of the real daemon: `kill -9` while a writer loops over write+fsync and rename+fsync on a mounted
// xv6fs image; then fsck, a remount (journal replay) and a check that every file whose fsync returned before the
// kill holds its data. Self-contained (Foundation and the built `bento` binary only).

/// The built `bento`, found from this file's path.
private let xv6Bento = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path + "/.build/debug/bento"

/// True when this machine can mount: root, /dev/fuse and a built bento.
private let xv6CanMount = getuid() == 0 && FileManager.default.fileExists(atPath: "/dev/fuse")
    && FileManager.default.fileExists(atPath: xv6Bento)

/// Runs a bash script, returning its status and output.
@discardableResult
private func xv6Shell(_ script: String) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = ["-c", script]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, output)
}

@Suite(.serialized) struct XV6FSCrashTests {
    @Test(.enabled(if: xv6CanMount, "needs root, /dev/fuse and a built bento"))
    func killNineDuringFsyncLoopLosesNothingFsynced() throws {
        let scratch = try xv6Shell("mktemp -d /tmp/xv6crash.XXXXXX").output.trimmingCharacters(in: .whitespacesAndNewlines)
        defer { _ = try? xv6Shell("umount -l \(scratch)/mnt 2>/dev/null; rm -rf \(scratch)") }
        let image = "\(scratch)/image", mnt = "\(scratch)/mnt", log = "\(scratch)/fsynced"
        try #require(xv6Shell("mkdir \(mnt) && \(xv6Bento) mkfs --size 128M \(image)").status == 0)
        try #require(xv6Shell("\(xv6Bento) mount --pid-file \(scratch)/pid \(image) \(mnt)").status == 0)
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
        try xv6Shell("(python3 \(scratch)/writer.py \(mnt) \(log) >/dev/null 2>&1 &) ; sleep 3; kill -9 $(cat \(scratch)/pid); sleep 1")
        try xv6Shell("umount -l \(mnt) 2>/dev/null || fusermount3 -uz \(mnt) 2>/dev/null; sleep 0.5")
        let fsynced = (try? String(contentsOfFile: log, encoding: .utf8))?.split(separator: "\n") ?? []
        #expect(fsynced.count > 3, "the writer got \(fsynced.count) fsyncs done in 3 s")
        let before = try xv6Shell("\(xv6Bento) fsck \(image)")
        #expect(before.status == 0, "fsck before the remount: \(before.output)")
        try #require(xv6Shell("\(xv6Bento) mount \(image) \(mnt)").status == 0)
        for line in fsynced {
            let parts = line.split(separator: " ")
            guard parts.count == 2 else { continue }
            let sum = try xv6Shell("sha1sum \(mnt)/\(parts[0]) | cut -d' ' -f1").output.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(sum == String(parts[1]), "\(String(parts[0])) lost its fsync'd data")
        }
        try xv6Shell("umount \(mnt); for i in $(seq 50); do \(xv6Bento) fsck \(image) >/dev/null 2>&1 && break; sleep 0.2; done")
        let after = try xv6Shell("\(xv6Bento) fsck \(image)")
        #expect(after.status == 0, "fsck after the remount: \(after.output)")
    }
}
