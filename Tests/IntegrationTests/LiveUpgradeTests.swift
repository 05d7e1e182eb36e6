import BentoTesting
import Foundation
import Testing

// Live upgrade through the real daemon: `bento upgrade` back and forth between two builds of a file system
// (the MemFSModuleV1/V2 and XV6FSModuleV1/V2 libraries) while scripts/upgrade_load.py runs 10 writer threads
// (create, write, fsync, read back, unlink) and a reader, each also reading through a descriptor opened before the
// first upgrade. Nothing may fail or read wrong; the new version's `user.bento.version` shows after the upgrade;
// xv6fs is fsck-clean after unmount. Then the failure paths: each leaves the running version serving (among them
// modules that someone besides root could have written, which are refused before they are loaded).
// Self-contained (Foundation, the built `bento` and module libraries).

/// The package's root, found from this file's path.
private let upgradeRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path
/// Where SwiftPM put the debug products (`bento`, `lib*Module*.so`).
private let upgradeBin = upgradeRoot + "/.build/debug"

/// Where it can mount, and always under CI (where a missing prerequisite fails the test). The debug `bento` is used
/// on purpose: it and the module libraries come from one build.
private let upgradeCanMount = TestEnvironment.runsMountTests

/// Runs a bash script in the package root (with the suite's time limit), returning what it did.
@discardableResult
private func upgradeShell(_ script: String) throws -> CommandResult {
    try Shell.run("cd \(Shell.quote(upgradeRoot)) && \(script)")
}

/// The path of module library `name`, building it when missing.
private func module(_ name: String) throws -> String {
    let path = "\(upgradeBin)/lib\(name).so"
    if !FileManager.default.fileExists(atPath: path) {
        try #require(upgradeShell("swift build --product \(name) 2>&1 | tail -3").status == 0)
    }
    return path
}

/// A scratch directory with a mount point, unmounted and removed when `body` returns.
private func withScratch(_ body: (_ scratch: String, _ mountpoint: String) throws -> Void) throws {
    let scratch = try upgradeShell("mktemp -d /tmp/bento-upgrade.XXXXXX").output.trimmingCharacters(in: .whitespacesAndNewlines)
    defer { _ = try? upgradeShell("umount \(scratch)/mnt 2>/dev/null || umount -l \(scratch)/mnt 2>/dev/null || true; rm -rf \(scratch)") }
    try #require(upgradeShell("mkdir \(scratch)/mnt").status == 0)
    try body(scratch, "\(scratch)/mnt")
}

@Suite(.serialized, .enabled(if: upgradeCanMount, "needs root and /dev/fuse (CI=true makes it run)"))
struct LiveUpgradeTests {
    /// Runs the load for `seconds` with an upgrade every `every` seconds alternating `modules`, and checks that
    /// nothing failed, then upgrades to `last` and checks that its version shows on a file and in `bento status`.
    private func upgradeUnderLoad(
        _ mountpoint: String, type: String, modules: [String], last: String, version: String
    ) throws {
        try TestEnvironment.expectTransport(at: mountpoint)
        let run = try upgradeShell("""
            python3 scripts/upgrade_load.py \(mountpoint) --bento \(upgradeBin)/bento --modules \(modules.joined(separator: ",")) \
            --seconds 6 --every 0.4
            """)
        let summary = run.output.split(separator: "\n").last.map(String.init) ?? ""
        #expect(run.status == 0 && summary.contains(" failed_ops=0 ") && summary.contains(" failed_upgrades=0 "), "\(run.output)")
        let upgrades = summary.split(separator: " ").first { $0.hasPrefix("upgrades=") }.flatMap { Int($0.dropFirst(9)) } ?? 0
        #expect(upgrades >= 10, "only \(upgrades) upgrades ran: \(summary)")
        #expect(try upgradeShell("\(upgradeBin)/bento upgrade \(mountpoint) \(last)").status == 0)
        let shown = try upgradeShell("echo x > \(mountpoint)/probe && getfattr --only-values -n user.bento.version \(mountpoint)/probe 2>/dev/null")
        #expect(shown.output == version, "user.bento.version: \(shown.output)")
        let row = try statusRow(of: mountpoint)
        #expect(row == [type, version], "bento status for \(mountpoint): \(row)")
    }

    /// The type and version `bento status` shows for `mountpoint` (other tests' mounts may share the table and
    /// widen its columns, so the row is split on blanks rather than matched as text).
    private func statusRow(of mountpoint: String) throws -> [String] {
        let rows = try upgradeShell("\(upgradeBin)/bento status").output.split(separator: "\n")
        let row = rows.map { $0.split(separator: " ").map(String.init) }.first { $0.first == mountpoint } ?? []
        return Array(row.dropFirst().prefix(2))
    }

    @Test func memfsUpgradesBackAndForthUnderLoadLoseNothing() throws {
        let (v1, v2) = (try module("MemFSModuleV1"), try module("MemFSModuleV2"))
        try withScratch { _, mountpoint in
            try #require(upgradeShell("\(upgradeBin)/bento mount --fs \(v1) \(TestEnvironment.transportOption) load \(mountpoint)").status == 0)
            try upgradeUnderLoad(mountpoint, type: "memfs", modules: [v2, v1], last: v2, version: "2.0.0")
        }
    }

    @Test func xv6fsUpgradesBackAndForthUnderLoadLoseNothingAndStaysFsckClean() throws {
        let (v1, v2) = (try module("XV6FSModuleV1"), try module("XV6FSModuleV2"))
        try withScratch { scratch, mountpoint in
            try #require(upgradeShell("\(upgradeBin)/bento mkfs --size 128M \(scratch)/image").status == 0)
            try #require(upgradeShell("\(upgradeBin)/bento mount --fs \(v1) \(TestEnvironment.transportOption) \(scratch)/image \(mountpoint)").status == 0)
            try upgradeUnderLoad(mountpoint, type: "xv6fs", modules: [v2, v1], last: v2, version: "2.0.0")
            try upgradeShell("umount \(mountpoint); for i in $(seq 50); do \(upgradeBin)/bento fsck \(scratch)/image >/dev/null && break; sleep 0.2; done")
            let fsck = try upgradeShell("\(upgradeBin)/bento fsck \(scratch)/image")
            #expect(fsck.status == 0, "fsck after the upgrades: \(fsck.output)")
        }
    }

    /// Upgrades that cannot work — no such library, a library without `bento_module`, a module that does not know
    /// the running state's version, a new version whose initializer throws — say why and leave the running version
    /// serving, with a descriptor opened before them still reading right. Then an upgrade after the image was
    /// moved works: the new version takes over the old one's open device instead of opening the path again.
    @Test func failedUpgradesSayWhyAndLeaveTheRunningVersionServing() throws {
        let (v1, v2) = (try module("XV6FSModuleV1"), try module("XV6FSModuleV2"))
        let (refusing, failing) = (try module("RefusingModule"), try module("FailingModule"))
        let libc = try upgradeShell("ldd \(upgradeBin)/bento | grep -o '/[^ ]*/libc[.]so[.]6' | head -1").output
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try withScratch { scratch, mountpoint in
            try #require(upgradeShell("\(upgradeBin)/bento mkfs --size 64M \(scratch)/image").status == 0)
            try #require(upgradeShell("\(upgradeBin)/bento mount --fs \(v1) \(scratch)/image \(mountpoint)").status == 0)
            try #require(upgradeShell("echo kept > \(mountpoint)/file").status == 0)
            let open = try #require(FileHandle(forReadingAtPath: "\(mountpoint)/file"))
            defer { try? open.close() }
            let attempts: [(module: String, setup: String, reason: String)] = [
                ("\(scratch)/writable.so", "cp \(v2) \(scratch)/writable.so && chmod 666 \(scratch)/writable.so",
                 "refusing module \(scratch)/writable.so: anyone may write it (mode 666)"),
                ("\(scratch)/theirs.so", "cp \(v2) \(scratch)/theirs.so && chown 4321 \(scratch)/theirs.so",
                 "refusing module \(scratch)/theirs.so: it is owned by uid 4321"),
                ("\(scratch)/open/v2.so", "mkdir -m 777 \(scratch)/open && cp \(v2) \(scratch)/open/v2.so",
                 "refusing module's directory \(scratch)/open: anyone may write it"),
                ("\(scratch)/missing.so", "touch \(scratch)/missing.so", "cannot load module"),
                (libc, "true", "no 'bento_module' symbol"),
                (refusing, "true", "unknown xv6fs state version 4"),
                (failing, "true", "refused the state: the initializer of this test module always fails"),
            ]
            for attempt in attempts {
                try upgradeShell(attempt.setup)
                let result = try upgradeShell("\(upgradeBin)/bento upgrade \(mountpoint) \(attempt.module)")
                #expect(result.status != 0 && result.output.contains(attempt.reason), "\(attempt.module): \(result.output)")
                #expect(try upgradeShell("cat \(mountpoint)/file && echo more >> \(mountpoint)/file").output == "kept\n")
                try open.seek(toOffset: 0)
                #expect(String(decoding: open.readData(ofLength: 5), as: UTF8.self) == "kept\n")
                #expect(try statusRow(of: mountpoint) == ["xv6fs", "1.0.0"])
                try upgradeShell("echo kept > \(mountpoint)/file")
            }
            try upgradeShell("mv \(scratch)/image \(scratch)/moved")
            let moved = try upgradeShell("\(upgradeBin)/bento upgrade \(mountpoint) \(v2)")
            #expect(moved.status == 0, "upgrade after the image moved: \(moved.output)")
            #expect(try upgradeShell("cat \(mountpoint)/file").output == "kept\n")
            #expect(try statusRow(of: mountpoint) == ["xv6fs", "2.0.0"])
        }
    }

    /// xv6fs on a real block device (a loop device, which the running version holds open exclusively): the
    /// upgrade hands the open device over, the data survives, and fsck is clean after unmount.
    @Test func xv6fsOnABlockDeviceUpgrades() throws {
        let (v1, v2) = (try module("XV6FSModuleV1"), try module("XV6FSModuleV2"))
        try withScratch { scratch, mountpoint in
            try #require(upgradeShell("truncate -s 64M \(scratch)/image").status == 0)
            let loop = try upgradeShell("losetup -f --show \(scratch)/image").output.trimmingCharacters(in: .whitespacesAndNewlines)
            try #require(loop.hasPrefix("/dev/loop"), "losetup: \(loop)")
            defer { _ = try? upgradeShell("umount \(mountpoint) 2>/dev/null || umount -l \(mountpoint) 2>/dev/null || true; sleep 0.2; losetup -d \(loop)") }
            try #require(upgradeShell("\(upgradeBin)/bento mkfs \(loop)").status == 0)
            try #require(upgradeShell("\(upgradeBin)/bento mount --fs \(v1) \(loop) \(mountpoint)").status == 0)
            try #require(upgradeShell("seq 100000 > \(mountpoint)/numbers").status == 0)
            let upgrade = try upgradeShell("\(upgradeBin)/bento upgrade \(mountpoint) \(v2)")
            #expect(upgrade.status == 0, "upgrade on \(loop): \(upgrade.output)")
            #expect(try statusRow(of: mountpoint) == ["xv6fs", "2.0.0"])
            #expect(try upgradeShell("seq 100000 | cmp - \(mountpoint)/numbers && seq 5 > \(mountpoint)/more").status == 0)
            try upgradeShell("umount \(mountpoint); for i in $(seq 50); do \(upgradeBin)/bento fsck \(loop) >/dev/null && break; sleep 0.2; done")
            let fsck = try upgradeShell("\(upgradeBin)/bento fsck \(loop)")
            #expect(fsck.status == 0, "fsck after the upgrade: \(fsck.output)")
        }
    }

    /// A mount point and a module path with spaces in them work (the control protocol separates with tabs).
    @Test func pathsWithSpacesUpgrade() throws {
        let (v1, v2) = (try module("MemFSModuleV1"), try module("MemFSModuleV2"))
        try withScratch { scratch, _ in
            let mountpoint = "\(scratch)/mnt dir", library = "\(scratch)/my modules/lib v2.so"
            try #require(upgradeShell("mkdir \(Shell.quote(mountpoint)) \(Shell.quote(scratch + "/my modules"))").status == 0)
            try #require(upgradeShell("cp \(v2) \(Shell.quote(library))").status == 0)
            try #require(upgradeShell("\(upgradeBin)/bento mount --fs \(v1) spaced \(Shell.quote(mountpoint))").status == 0)
            defer { _ = try? upgradeShell("umount \(Shell.quote(mountpoint)) || umount -l \(Shell.quote(mountpoint))") }
            try #require(upgradeShell("echo kept > \(Shell.quote(mountpoint + "/a file"))").status == 0)
            let upgrade = try upgradeShell("\(upgradeBin)/bento upgrade \(Shell.quote(mountpoint)) \(Shell.quote(library))")
            #expect(upgrade.status == 0 && upgrade.output.contains("memfs 1.0.0 -> memfs 2.0.0"), "\(upgrade.output)")
            #expect(try upgradeShell("cat \(Shell.quote(mountpoint + "/a file"))").output == "kept\n")
        }
    }
}
