import Foundation
import Synchronization
import Testing
import BentoHost
import BentoKit
import MemFS

/// A file system that serves only an empty root directory and records whether `destroy` was called:
/// enough for the kernel to mount it, small enough to observe the session's lifecycle.
final class EmptyRootFileSystem: FileSystem {
    let destroyed = Atomic<Int>(0)

    func getattr(_ request: Request, inode: Inode, handle: BentoKit.FileHandle?) throws(Errno) -> AttributesReply {
        guard inode == .root else { throw .noSuchFileOrDirectory }
        return AttributesReply(Attributes(inode: .root, mode: FileMode(type: .directory, permissions: 0o755), linkCount: 2))
    }

    func lookup(_ request: Request, parent: Inode, name: FileName) throws(Errno) -> Entry {
        throw .noSuchFileOrDirectory
    }

    func destroy() { destroyed.add(1, ordering: .relaxed) }
}

@Suite(.serialized) struct RegistryTests {
    static let memfs = FileSystemType(name: "memfs", version: "test", summary: "in-memory") { _, _ throws(HostError) in
        MemFS()
    }

    @Test func unknownTypeNamesTheKnownOnes() {
        let registry = Registry()
        registry.register(Self.memfs)
        #expect(throws: HostError("unknown file-system type 'nope': choose one of memfs")) {
            try registry.type(named: "nope")
        }
    }

    @Test func missingMountpointIsAClearError() {
        let registry = Registry()
        registry.register(Self.memfs)
        #expect(throws: HostError("/nonexistent/bento does not exist: create the MOUNTPOINT directory first")) {
            try registry.mount(type: "memfs", source: "x", at: "/nonexistent/bento", options: MountOptions())
        }
    }

    @Test(.enabled(if: Machine.shouldMount))
    func umountEndsTheSessionAndDestroysTheFileSystemOnce() throws {
        let directory = try ScratchDirectory("destroy")
        let fileSystem = EmptyRootFileSystem()
        let type = FileSystemType(name: "emptyroot", version: "1", summary: "test") { _, _ throws(HostError) in fileSystem }
        let registry = Registry()
        registry.register(type)
        let session = try registry.mount(type: "emptyroot", source: "test", at: directory.path, options: MountOptions())
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == [])
        #expect(try String(contentsOfFile: "/proc/mounts", encoding: .utf8).contains(" \(directory.path) fuse.emptyroot "))
        #expect(umount2(directory.path, 0) == 0)
        #expect(session.wait(timeout: .seconds(10)))
        #expect(fileSystem.destroyed.load(ordering: .relaxed) == 1)
        #expect(registry.liveMounts.count == 1)  // forgotten only through waitForEnd
        registry.waitForEnd(of: session)
        #expect(registry.liveMounts.isEmpty)
    }

    @Test(.enabled(if: Machine.shouldMount))
    func oneHostServesSeveralMountsAtOnce() throws {
        let registry = Registry()
        registry.register(Self.memfs)
        let first = try ScratchDirectory("first"), second = try ScratchDirectory("second")
        let sessions = try [first, second].map { try registry.mount(type: "memfs", source: "m", at: $0.path, options: MountOptions()) }
        try Data("one".utf8).write(to: URL(fileURLWithPath: first.path + "/file"))
        try Data("two".utf8).write(to: URL(fileURLWithPath: second.path + "/file"))
        #expect(try String(contentsOfFile: first.path + "/file", encoding: .utf8) == "one")
        #expect(try String(contentsOfFile: second.path + "/file", encoding: .utf8) == "two")
        #expect(registry.liveMounts.map(\.mountpoint) == [first.path, second.path].sorted())
        #expect(registry.unmountAll(timeout: .seconds(10)).isEmpty)
        #expect(registry.liveMounts.isEmpty)
        for session in sessions { #expect(session.wait(timeout: .seconds(1))) }
    }

    @Test(.enabled(if: Machine.shouldMount))
    func aSingleWorkerKeepsServingAfterInit() throws {
        // Regression: the worker that answered INIT once stat'ed the mount point to tune readahead, waiting
        // on a GETATTR only it could answer. `stat` runs in a child with a time limit so a hang fails the test.
        let directory = try ScratchDirectory("single")
        let registry = Registry()
        registry.register(Self.memfs)
        _ = try registry.mount(type: "memfs", source: "m", at: directory.path, options: MountOptions(parsing: "threads=1"))
        defer { _ = registry.unmountAll(timeout: .seconds(10)) }
        let stat = Process()
        stat.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        stat.arguments = ["5", "stat", directory.path + "/."]
        try stat.run()
        stat.waitUntilExit()
        #expect(stat.terminationStatus == 0)
    }
}
