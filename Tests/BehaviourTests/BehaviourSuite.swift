#if canImport(Glibc)
import Glibc
#endif
import BentoKit
import Foundation
import InProcess
@testable import MemFS
import Testing

// The behaviour suite: the same case list (`BehaviourCase.all`) on every file-system/driver combination,
// one parameterized test per combination so that each case shows per driver:
//   memfsInProcess                       MemFS in-process, MemFS checking permissions itself
//   memfsInProcessDefaultPermissions     MemFS in-process, the driver checking them as the kernel would
//   memfsMounted                         MemFS mounted through the kernel by `bento mount`, real syscalls
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

    /// Runs `behaviour` in-process on `memfs`, then unmounts and checks the lookup accounting balanced.
    private func runInProcess(_ behaviour: BehaviourCase, on memfs: MemFS, options: InProcessFileSystem.Options) throws {
        let fileSystem = try InProcessFileSystem(fileSystem: memfs, options: options)
        let driver = InProcessDriver(fileSystem: fileSystem)
        try driver.mkdir("/workspace", mode: 0o755)
        defer {
            fileSystem.unmount()
            let held = memfs.state.withLock { state in state.nodes.values.filter { $0.lookups > 0 }.map(\.inode) }
            #expect(held == [], "lookups still held after unmount")
        }
        try behaviour.body(Workspace(driver: driver, root: "/workspace"))
    }
}

@Suite(MountedMemFS.Scope(), .enabled(if: Machine.shouldMount, "needs root and /dev/fuse (CI=true makes it run)"))
struct MountedBehaviour {
    @Test(arguments: BehaviourCase.all)
    func memfsMounted(_ behaviour: BehaviourCase) throws {
        let mount = try #require(MountedMemFS.current)
        try runThroughKernel(behaviour, in: mount.mountpoint)
    }
}

@Suite(.enabled(if: getuid() == 0, "the permission cases switch to uid 1000 with setfsuid, which needs root"))
struct TmpfsControl {
    @Test(arguments: BehaviourCase.all)
    func tmpfsControl(_ behaviour: BehaviourCase) throws {
        let tmpfs = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        try runThroughKernel(behaviour, in: tmpfs)
    }
}

/// Runs `behaviour` with real system calls in a fresh workspace under `directory`, removed afterwards.
private func runThroughKernel(_ behaviour: BehaviourCase, in directory: String) throws {
    let driver = KernelDriver()
    let root = directory + "/workspace-" + UUID().uuidString.prefix(8)
    try driver.mkdir(root, mode: 0o755)
    defer { try? FileManager.default.removeItem(atPath: root) }
    try behaviour.body(Workspace(driver: driver, root: root))
}
