#if canImport(Glibc)
import Glibc
#endif
import BentoKit
import BentoTesting
import Foundation
import InProcess
import BentoServices
@testable import MemFS
import Testing
import XV6FS
import PassthroughFS
import CrashExplorer
import ProvFS

// The behaviour suite: the same case list (`BehaviourCase.all`) on every file-system/driver combination,
// one parameterized test per combination so that each case shows per driver:
//   memfsInProcess                       MemFS in-process, MemFS checking permissions itself
//   memfsInProcessDefaultPermissions     MemFS in-process, the driver checking them as the kernel would
//   memfsMounted                         MemFS mounted through the kernel by `bento mount`, real syscalls
//   xv6fsInProcess                       xv6fs in-process on a SimulatedDisk
//   xv6fsMounted                         xv6fs on an image, mounted through the kernel by `bento mount`
//   provfsInProcess                      provfs (xv6fs recording provenance) in-process; its log audited after
//   provfsMounted                        provfs on an image, mounted through the kernel by `bento mount`
//   passthroughInProcess                 PassthroughFS in-process over a fresh directory of /tmp
//   passthroughMounted                   PassthroughFS mounted by `bento mount` over a fresh directory of /tmp
//   tmpfsControl                         real syscalls on tmpfs: proves each case states Linux behaviour
// Each case gets a fresh workspace directory (mode 0755, root's). In-process runs also check, after
// unmount, that every lookup the driver received was forgotten.

@Suite struct InProcessBehaviour {
    @Test(arguments: BehaviourCase.all)
    func memfsInProcess(_ behaviour: BehaviourCase) throws {
        try runInProcess(behaviour, on: MemFS(options: .init(capacity: 1 << 30)), options: .init())
    }

    @Test(arguments: BehaviourCase.all)
    func memfsInProcessDefaultPermissions(_ behaviour: BehaviourCase) throws {
        try runInProcess(behaviour, on: MemFS(options: .init(capacity: 1 << 30, checksPermissions: false)),
                         options: .init(defaultPermissions: true))
    }

    @Test(arguments: BehaviourCase.all)
    func xv6fsInProcess(_ behaviour: BehaviourCase) throws {
        let disk = SimulatedDisk(blockCount: 16_384)
        try XV6FS.mkfs(device: disk)
        let xv6fs = try XV6FS(device: disk)
        try BehaviourRun.inProcess(behaviour, on: xv6fs, options: .init())
        let report = XV6FS.fsck(device: disk)
        #expect(report.isConsistent, "fsck after the case: \(report)")
    }

    @Test(arguments: BehaviourCase.all)
    func provfsInProcess(_ behaviour: BehaviourCase) throws {
        let disk = SimulatedDisk(blockCount: 16_384)
        try XV6FS.mkfs(device: disk)
        let options = XV6FS.Options(operationLog: ProvenanceRecorder(processes: SimulatedProcessDirectory()))
        try BehaviourRun.inProcess(behaviour, on: try XV6FS(device: disk, options: options), options: .init())
        let report = XV6FS.fsck(device: disk)
        #expect(report.isConsistent && report.notes.contains { $0.contains("operation log") }, "fsck after the case: \(report)")
        // The log, begun at mkfs, agrees with the tree the case left.
        let provfs = try XV6FS(device: disk, options: options)
        let again = try InProcessFileSystem(fileSystem: provfs)
        defer { again.unmount() }
        #expect(FileSystemFactory.provenanceProblems(of: provfs, mounted: again) == [])
    }

    @Test(arguments: BehaviourCase.all)
    func passthroughInProcess(_ behaviour: BehaviourCase) throws {
        let root = NSTemporaryDirectory() + "bento-behaviour-passthrough-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try BehaviourRun.inProcess(behaviour, on: try PassthroughFS(root: root))
    }

    /// Runs `behaviour` in-process on `memfs`, then unmounts and checks the lookup accounting balanced.
    private func runInProcess(_ behaviour: BehaviourCase, on memfs: MemFS, options: InProcessFileSystem.Options) throws {
        try BehaviourRun.inProcess(behaviour, on: memfs, options: options) {
            let held = memfs.state.withLock { state in state.nodes.values.filter { $0.lookups > 0 }.map(\.inode) }
            #expect(held == [], "lookups still held after unmount")
        }
    }
}

@Suite(MountedFileSystem.Scope(type: "memfs"), .enabled(if: Machine.shouldMount, "needs root and /dev/fuse (CI=true makes it run)"))
struct MountedBehaviour {
    @Test(arguments: BehaviourCase.all)
    func memfsMounted(_ behaviour: BehaviourCase) throws {
        let mount = try #require(MountedFileSystem.current)
        try BehaviourRun.throughKernel(behaviour, in: mount.mountpoint)
    }
}

@Suite(MountedFileSystem.Scope(type: "xv6fs"), .enabled(if: Machine.shouldMount, "needs root and /dev/fuse (CI=true makes it run)"))
struct MountedXV6FSBehaviour {
    @Test(arguments: BehaviourCase.all)
    func xv6fsMounted(_ behaviour: BehaviourCase) throws {
        let mount = try #require(MountedFileSystem.current)
        try BehaviourRun.throughKernel(behaviour, in: mount.mountpoint)
    }
}

@Suite(MountedFileSystem.Scope(type: "provfs"), .enabled(if: Machine.shouldMount, "needs root and /dev/fuse (CI=true makes it run)"))
struct MountedProvFSBehaviour {
    @Test(arguments: BehaviourCase.all)
    func provfsMounted(_ behaviour: BehaviourCase) throws {
        let mount = try #require(MountedFileSystem.current)
        try BehaviourRun.throughKernel(behaviour, in: mount.mountpoint)
    }
}

@Suite(MountedFileSystem.Scope(type: "passthrough"), .enabled(if: Machine.shouldMount, "needs root and /dev/fuse (CI=true makes it run)"))
struct MountedPassthroughBehaviour {
    @Test(arguments: BehaviourCase.all)
    func passthroughMounted(_ behaviour: BehaviourCase) throws {
        let mount = try #require(MountedFileSystem.current)
        try BehaviourRun.throughKernel(behaviour, in: mount.mountpoint)
    }
}

@Suite(.enabled(if: getuid() == 0, "the permission cases switch to uid 1000 with setfsuid, which needs root"))
struct TmpfsControl {
    @Test(arguments: BehaviourCase.all)
    func tmpfsControl(_ behaviour: BehaviourCase) throws {
        let tmpfs = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        try BehaviourRun.throughKernel(behaviour, in: tmpfs)
    }
}
