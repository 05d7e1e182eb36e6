import BentoKit
import Foundation
import InProcess

/// Running a behaviour case against a file system: in-process (no kernel, no root) or with real system calls in a
/// directory (a mount of it, or a kernel file system as the control).
///
/// A file system's own tests run every case, listing by name the ones it does not support yet:
///
/// ```swift
/// @Test(arguments: BehaviourCase.all.filter { !MyFS.lacks.contains($0.name) })
/// func behaves(_ behaviour: BehaviourCase) throws {
///     try BehaviourRun.inProcess(behaviour, on: MyFS())
/// }
/// ```
public enum BehaviourRun {
    /// Runs `behaviour` on `fileSystem` through the in-process driver with `options`, in a fresh workspace
    /// directory `/workspace`; then unmounts (which forgets every lookup the driver still holds) and runs
    /// `afterUnmount`, where a test checks what the file system should have let go of.
    public static func inProcess(_ behaviour: BehaviourCase, on fileSystem: any FileSystem,
                                 options: InProcessFileSystem.Options = .init(defaultPermissions: true),
                                 afterUnmount: () -> Void = {}) throws {
        let mounted = try InProcessFileSystem(fileSystem: fileSystem, options: options)
        let driver = InProcessDriver(fileSystem: mounted)
        try driver.mkdir("/workspace", mode: 0o755)
        defer {
            mounted.unmount()
            afterUnmount()
        }
        try behaviour.body(Workspace(driver: driver, root: "/workspace"))
    }

    /// Runs `behaviour` with real system calls in a fresh workspace under `directory` (a mount point, or a
    /// kernel file system as the control), removed afterwards. The permission cases switch to uid 1000 with
    /// `setfsuid`, which needs root; a FUSE mount then needs `allow_other` or `default_permissions` as Bento's.
    public static func throughKernel(_ behaviour: BehaviourCase, in directory: String) throws {
        let driver = KernelDriver()
        let root = directory + "/workspace-" + UUID().uuidString.prefix(8)
        try driver.mkdir(root, mode: 0o755)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try behaviour.body(Workspace(driver: driver, root: root))
    }
}
