import BentoKit
import Foundation
import InProcess
import Testing
@testable import TinyFS

/// TinyFS in-process (as the kernel would call it) and mounted by `bento` as a module, upgraded live to itself
/// with a file open (as root; CI=true makes that a failure rather than a skip).
@Suite struct TinyFSTests {
    @Test func filesAndDirectoriesBehave() throws {
        let fs = try InProcessFileSystem(fileSystem: TinyFS(), options: .init(defaultPermissions: true))
        defer { fs.unmount() }
        try fs.mkdir("/notes")
        let descriptor = try fs.open("/notes/a", [.create, .readWrite], mode: 0o644)
        #expect(try fs.write(descriptor, Array("first\n".utf8)) == 6)
        try fs.rename(from: "/notes/a", to: "/notes/b")
        try fs.unlink("/notes/b")
        #expect(try fs.pread(descriptor, count: 100, offset: 0) == Array("first\n".utf8), "open after unlink")
        let total = try fs.statfs("/").totalBlocks
        #expect(try fs.statfs("/").freeBlocks == total - 1, "its bytes are still held")
        try fs.close(descriptor)
        #expect(try fs.statfs("/").freeBlocks == total, "and go with the last reference")
        #expect(try fs.readdir("/notes").map(\.name.description) == [".", ".."])
        #expect(throws: Errno.directoryNotEmpty) { try fs.mkdir("/notes/x"); try fs.rmdir("/notes") }
        #expect(try fs.stat("/notes").linkCount == 3)
    }

    @Test func theTreeCrossesAnUpgradeAndDamagedStateIsRefused() throws {
        let old = TinyFS()
        let fs = try InProcessFileSystem(fileSystem: old)
        try fs.mkdir("/d")
        let descriptor = try fs.open("/d/f", [.create, .writeOnly], mode: 0o600)
        _ = try fs.write(descriptor, Array("kept".utf8))
        try fs.close(descriptor)
        let state = try old.prepareUpgrade()
        fs.unmount()
        let again = try InProcessFileSystem(fileSystem: try TinyFS.resume(from: state))
        defer { again.unmount() }
        let reopened = try again.open("/d/f", [])
        #expect(try again.read(reopened, count: 10) == Array("kept".utf8))
        #expect(try again.stat("/d/f").mode.permissions == 0o600)
        #expect(throws: ModuleError.self) { try TinyFS.resume(from: UpgradeState(format: "tinyfs", version: 1, bytes: [1, 2])) }
        #expect(throws: ModuleError.self) { try TinyFS.resume(from: UpgradeState(format: "memfs", version: 1, bytes: state.bytes)) }
    }

    @Test(.enabled(if: getuid() == 0 || ProcessInfo.processInfo.environment["CI"] == "true"))
    func mountedAndUpgradedLiveWithAFileOpen() throws {
        let mountpoint = try TinyFSMount.mount()
        defer { TinyFSMount.unmount(mountpoint) }
        let (bento, module) = (TinyFSMount.bento, TinyFSMount.module)
        let output = TinyFSMount.shell("""
            set -e; mkdir \(mountpoint)/d && echo before > \(mountpoint)/d/f && exec 3< \(mountpoint)/d/f
            \(bento) upgrade \(mountpoint) \(module) | cut -d, -f1
            cat <&3; echo after >> \(mountpoint)/d/f; cat \(mountpoint)/d/f; ls \(mountpoint)/d
            """)
        #expect(output == "upgraded \(mountpoint): tinyfs 1.0.0 -> tinyfs 1.0.0\nbefore\nbefore\nafter\nf\n", "\(output)")
    }
}

/// Mounts of the module by `bento` (`$BENTO_BINARY`, else the release build of the package this one depends on).
enum TinyFSMount {
    static let bento = ProcessInfo.processInfo.environment["BENTO_BINARY"]
        ?? URL(fileURLWithPath: #filePath).appendingPathComponent("../../../../../.build/release/bento").standardizedFileURL.path
    static let module = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        .appendingPathComponent("libTinyFSModule.so").path

    /// A fresh mount on a new directory; its path.
    static func mount() throws -> String {
        try #require(FileManager.default.isExecutableFile(atPath: bento), "build bento first: swift build -c release")
        let mountpoint = FileManager.default.temporaryDirectory.appendingPathComponent("tinyfs-\(UUID())").path
        try FileManager.default.createDirectory(atPath: mountpoint, withIntermediateDirectories: true)
        _ = shell("\(bento) mount --fs \(module) notes \(mountpoint)")
        try #require(shell("grep -c ' \(mountpoint) fuse' /proc/mounts") == "1\n", "bento mounted \(mountpoint)")
        return mountpoint
    }

    /// Unmounts (lazily, whatever state it is in) and removes the directory.
    static func unmount(_ mountpoint: String) {
        _ = shell("umount \(mountpoint) || umount -l \(mountpoint)")
        try? FileManager.default.removeItem(atPath: mountpoint)
    }

    /// What `script` prints on standard output under /bin/sh (the daemon's log lines go to standard error).
    static func shell(_ script: String) -> String {
        let process = Process(), output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        process.standardOutput = output
        guard (try? process.run()) != nil else { return "" }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return text
    }
}
