import BentoKit
import Foundation
import HelloFS
import InProcess
import Testing

/// HelloFS in-process (no kernel: `InProcessFileSystem` calls it as the kernel would) and mounted with its own
/// `hellofs` executable through /dev/fuse (as root; CI=true makes that a failure rather than a skip).
@Suite struct HelloFSTests {
    @Test func theFileReadsBackAndNothingChanges() throws {
        let fs = try InProcessFileSystem(fileSystem: HelloFS(), options: .init(defaultPermissions: true))
        defer { fs.unmount() }
        let descriptor = try fs.open("/hello", [])
        #expect(try fs.read(descriptor, count: 100) == HelloFS.contents)
        try fs.close(descriptor)
        #expect(try fs.readdir("/").map(\.name.description) == [".", "..", "hello"])
        #expect(try fs.stat("/hello").mode.permissions == 0o444)
        #expect(throws: Errno.readOnlyFileSystem) { _ = try fs.open("/hello", .writeOnly) }
        #expect(throws: Errno.noSuchFileOrDirectory) { _ = try fs.stat("/missing") }
    }

    @Test(.enabled(if: getuid() == 0 || ProcessInfo.processInfo.environment["CI"] == "true"))
    func mountedWithItsOwnExecutable() throws {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("hellofs").path  // built beside the test bundle
        let mountpoint = FileManager.default.temporaryDirectory.appendingPathComponent("hellofs-\(UUID())").path
        try FileManager.default.createDirectory(atPath: mountpoint, withIntermediateDirectories: true)
        defer {
            _ = run("/bin/umount", ["-l", mountpoint])
            try? FileManager.default.removeItem(atPath: mountpoint)
        }
        #expect(run(executable, ["hello", mountpoint]) == 0, "hellofs returns once the mount is live")
        #expect(try String(contentsOfFile: mountpoint + "/hello", encoding: .utf8) == "Hello from Bento!\n")
        #expect(run("/bin/sh", ["-c", "echo x > \(mountpoint)/hello"]) != 0, "read-only")
        #expect(run("/bin/umount", [mountpoint]) == 0)
    }

    /// The module, built in this package, loaded by the `bento` of the package this one depends on
    /// (`$BENTO_BINARY`, else its release build).
    @Test(.enabled(if: getuid() == 0 || ProcessInfo.processInfo.environment["CI"] == "true"))
    func mountedAsAModuleByBento() throws {
        let here = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        let bento = ProcessInfo.processInfo.environment["BENTO_BINARY"]
            ?? URL(fileURLWithPath: #filePath).appendingPathComponent("../../../../../.build/release/bento").standardizedFileURL.path
        try #require(FileManager.default.isExecutableFile(atPath: bento), "build bento first: swift build -c release")
        let mountpoint = FileManager.default.temporaryDirectory.appendingPathComponent("hellofs-module-\(UUID())").path
        try FileManager.default.createDirectory(atPath: mountpoint, withIntermediateDirectories: true)
        defer {
            _ = run("/bin/umount", ["-l", mountpoint])
            try? FileManager.default.removeItem(atPath: mountpoint)
        }
        let module = here.appendingPathComponent("libHelloFSModule.so").path
        #expect(run(bento, ["mount", "--fs", module, "hello", mountpoint]) == 0)
        #expect(try String(contentsOfFile: mountpoint + "/hello", encoding: .utf8) == "Hello from Bento!\n")
        #expect(run("/bin/umount", [mountpoint]) == 0)
    }

    /// Runs `path` with `arguments`; its exit status.
    private func run(_ path: String, _ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
