import BentoTesting
import Foundation
import Testing

// provfs through the real daemon: real programs on a provfs mount, then `bento prov` asking the live mount and the
// unmounted image; live upgrades that turn tracking on (xv6fs → provfs) under load and off again keeping the log;
// a shell job whose data passes through a file outside the mount, linked with --tree. The debug `bento` and the
// module libraries come from one build, as in LiveUpgradeTests.

/// The package's root and its debug products.
private let provenanceRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path
private let provenanceBin = provenanceRoot + "/.build/debug"
private let bento = provenanceBin + "/bento"

@discardableResult
private func sh(_ script: String) throws -> CommandResult {
    try Shell.run("cd \(Shell.quote(provenanceRoot)) && \(script)")
}

/// The module library `name`, built when missing.
private func module(_ name: String) throws -> String {
    let path = "\(provenanceBin)/lib\(name).so"
    if !FileManager.default.fileExists(atPath: path) { try #require(sh("swift build --product \(name) 2>&1 | tail -3").status == 0) }
    return path
}

/// A scratch directory with an image and a mount point, unmounted and removed when `body` returns.
private func withImage(_ body: (_ image: String, _ mountpoint: String) throws -> Void) throws {
    let scratch = try sh("mktemp -d /tmp/bento-prov.XXXXXX").output.trimmingCharacters(in: .whitespacesAndNewlines)
    defer { _ = try? sh("umount \(scratch)/mnt 2>/dev/null || umount -l \(scratch)/mnt 2>/dev/null || true; rm -rf \(scratch)") }
    try #require(sh("mkdir \(scratch)/mnt && \(bento) mkfs --size 128M \(scratch)/image >/dev/null").status == 0)
    try body("\(scratch)/image", "\(scratch)/mnt")
}

/// Unmounts and waits for the daemon to let go of the image (fsck gets the image lock-free view).
private func unmount(_ mountpoint: String, image: String) throws {
    try sh("umount \(mountpoint); for i in $(seq 50); do \(bento) fsck \(image) >/dev/null 2>&1 && break; sleep 0.2; done")
}

@Suite(.serialized, .enabled(if: TestEnvironment.runsMountTests, "needs root and /dev/fuse (CI=true makes it run)"))
struct ProvenanceTests {
    @Test func sortsLineageIsAnsweredLiveAndFromTheImage() throws {
        try withImage { image, mountpoint in
            try #require(sh("\(bento) mount --fs provfs \(TestEnvironment.transportOption) \(image) \(mountpoint)").status == 0)
            let work = try sh("""
                cd \(mountpoint) && printf 'pear\\napple\\n' > a.txt && printf 'fig\\n' > b.txt && echo other > c.txt \
                && sort -o sorted.txt a.txt b.txt && cat sorted.txt
                """)
            #expect(work.output == "apple\nfig\npear\n")
            // Live: the mount is found from the path; relative paths are the caller's.
            let inputs = try sh("\(bento) prov inputs \(mountpoint)/sorted.txt")
            #expect(inputs.status == 0 && inputs.output.contains("/a.txt") && inputs.output.contains("/b.txt"), "\(inputs.output)")
            #expect(inputs.output.contains("sort[") && !inputs.output.contains("/c.txt"), "\(inputs.output)")
            let outputs = try sh("cd \(mountpoint) && \(bento) prov outputs a.txt")
            #expect(outputs.output.contains("/sorted.txt") && !outputs.output.contains("/c.txt"), "\(outputs.output)")
            let writers = try sh("\(bento) prov \(mountpoint) who-wrote sorted.txt")
            #expect(writers.output.contains("sort -o sorted.txt a.txt b.txt") && writers.output.contains(" 15 "), "\(writers.output)")
            let json = try sh("\(bento) prov inputs \(mountpoint)/sorted.txt --json | python3 -c 'import json,sys; g=json.load(sys.stdin); "
                              + "print(sorted(f[\"path\"] for f in g[\"files\"]), [p[\"executable\"].split(\"/\")[-1] for p in g[\"processes\"]])'")
            #expect(json.output == "['/a.txt', '/b.txt', '/sorted.txt'] ['sort']\n", "\(json.output)")
            let dot = try sh("\(bento) prov outputs \(mountpoint)/a.txt --dot")
            #expect(dot.output.hasPrefix("digraph provenance {") && dot.output.contains("[label=wrote]"), "\(dot.output)")
            let log = try sh("\(bento) prov \(mountpoint) log --path sorted.txt")
            #expect(log.output.contains("create") && log.output.contains("close") && log.output.contains("cat["), "\(log.output)")
            let status = try sh("\(bento) status | grep \(mountpoint)").output
            #expect(status.contains("provfs") && status.contains(" rw"), "\(status)")

            try unmount(mountpoint, image: image)
            let fsck = try sh("\(bento) fsck \(image)")
            #expect(fsck.status == 0 && fsck.output.contains("operation log"), "\(fsck.output)")
            let offline = try sh("\(bento) prov \(image) inputs sorted.txt")
            #expect(offline.output == inputs.output, "the image answers as the mount did: \(offline.output)")
        }
    }

    @Test func liveUpgradesTurnTrackingOnAndOffKeepingTheLog() throws {
        let (xv6, prov) = (try module("XV6FSModuleV1"), try module("ProvFSModule"))
        try withImage { image, mountpoint in
            try #require(sh("\(bento) mount --fs \(xv6) \(TestEnvironment.transportOption) \(image) \(mountpoint)").status == 0)
            try sh("echo before > \(mountpoint)/before.txt")
            let none = try sh("\(bento) prov \(mountpoint) log")
            #expect(none.status != 0 && none.output.contains("no report"), "\(none.output)")
            // Back and forth under load: no operation fails.
            let run = try sh("python3 scripts/upgrade_load.py \(mountpoint) --bento \(bento) --modules \(prov),\(xv6) --seconds 5 --every 0.4")
            let summary = run.output.split(separator: "\n").last.map(String.init) ?? ""
            #expect(run.status == 0 && summary.contains(" failed_ops=0 ") && summary.contains(" failed_upgrades=0 "), "\(run.output)")
            // Tracking on: what happens from now is recorded; the file from before has no history.
            #expect(try sh("\(bento) upgrade \(mountpoint) \(prov)").status == 0)
            try sh("cd \(mountpoint) && tr a-z A-Z < before.txt > after.txt")
            let inputs = try sh("\(bento) prov inputs \(mountpoint)/after.txt")
            #expect(inputs.output.contains("/before.txt"), "\(inputs.output)")
            // Tracking off: nothing more is recorded, and the log stays.
            #expect(try sh("\(bento) upgrade \(mountpoint) \(xv6)").status == 0)
            try sh("cp \(mountpoint)/after.txt \(mountpoint)/untracked.txt")
            try unmount(mountpoint, image: image)
            #expect(try sh("\(bento) fsck \(image)").status == 0)
            let kept = try sh("\(bento) prov \(image) inputs after.txt")
            #expect(kept.output == inputs.output, "\(kept.output)")
            let untracked = try sh("\(bento) prov \(image) who-wrote untracked.txt")
            #expect(untracked.status == 0 && !untracked.output.contains("cp["), "\(untracked.output)")
        }
    }

    @Test func aFullDiskDegradesTheLogButFailsNoRequest() throws {
        try withImage { image, mountpoint in
            try #require(sh("\(bento) mkfs --size 8M \(image) >/dev/null && \(bento) mount --fs provfs \(image) \(mountpoint)").status == 0)
            let fill = try sh("dd if=/dev/zero of=\(mountpoint)/fill bs=64k status=none 2>&1; echo \"exit $?\"")
            #expect(fill.output.contains("No space left on device"), "\(fill.output)")
            // Changes that need no block go on; their records find no room and are dropped.
            let changes = try sh("python3 -c 'import os\nfor i in range(4000): os.chmod(\"\(mountpoint)/fill\", 0o600 if i % 2 else 0o644)'")
            #expect(changes.status == 0, "\(changes.output)")
            let status = try sh("\(bento) status | grep \(mountpoint)").output
            #expect(status.contains("rw(degraded: the operation log drops records"), "\(status)")
            let stats = try sh("\(bento) stats \(mountpoint) | grep log_records_dropped").output
            #expect(!stats.hasSuffix(" 0\n"), "\(stats)")
            try sh("rm \(mountpoint)/fill")
            try unmount(mountpoint, image: image)
            #expect(try sh("\(bento) fsck \(image)").status == 0)
        }
    }

    @Test func aJobsTemporaryFilesOutsideTheMountAreBridgedByTree() throws {
        try withImage { image, mountpoint in
            try #require(sh("\(bento) mount --fs provfs \(image) \(mountpoint)").status == 0)
            let outside = mountpoint + ".tmp"
            try sh("echo source > \(mountpoint)/in.txt")
            // One job (setsid: its own process group): one step reads the source into a file outside the mount, the
            // next writes the result from it.
            try #require(sh("setsid -w sh -c 'cat \(mountpoint)/in.txt > \(outside); rev \(outside) > \(mountpoint)/out.txt'").status == 0)
            let direct = try sh("\(bento) prov inputs \(mountpoint)/out.txt")
            #expect(!direct.output.contains("/in.txt"), "without --tree the writer read nothing on the mount: \(direct.output)")
            let job = try sh("\(bento) prov inputs \(mountpoint)/out.txt --tree")
            #expect(job.output.contains("/in.txt") && job.output.contains("cat["), "\(job.output)")
            try sh("rm -f \(outside)")
        }
    }
}
