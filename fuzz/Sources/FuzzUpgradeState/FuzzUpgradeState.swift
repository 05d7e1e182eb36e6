import BentoKit
import BentoServices
import FuzzSupport
import MemFS
import XV6FS

// Any bytes as the upgrade state a live upgrade hands to the next version: memfs's module and xv6fs (on a copy
// of a small formatted image with a file in it) must refuse what they cannot use, and whatever they take must
// serve (getattr, a directory listing) without a trap. The first byte picks the file system and the state's
// version; the rest is the state.
enum FuzzUpgradeState: FuzzTarget {
    /// A formatted image holding one file, made once.
    static let image: DiskImage = {
        let disk = SimulatedDisk(blockCount: 1024)
        guard (try? XV6FS.mkfs(device: disk, options: MkfsOptions(journalBlocks: 256))) != nil,
              let fs = try? XV6FS(device: disk, options: XV6FS.Options(commitInterval: nil)),
              let name = try? FileName("f"),
              (try? fs.create(.root, parent: .root, name: name, mode: FileMode(type: .regular, permissions: 0o644),
                              flags: .readWrite)) != nil else {
            fatalError("the fuzz target's image could not be made")
        }
        fs.destroy()
        return disk.durableImage
    }()

    static func run(_ bytes: [UInt8]) {
        guard let first = bytes.first else { return }
        let state = Array(bytes.dropFirst())
        let version = UInt32(first >> 1 & 3) + 1
        let fileSystem: (any FileSystem)?
        if first & 1 == 0 {
            fileSystem = try? MemFSModule(version: "fuzz").resume(
                from: UpgradeState(format: "memfs", version: version, bytes: state), source: "fuzz", options: ModuleOptions())
        } else {
            fileSystem = try? XV6FS(device: SimulatedDisk(image: image), options: XV6FS.Options(commitInterval: nil),
                                    resuming: UpgradeState(format: "xv6fs", version: version, bytes: state))
        }
        guard let fileSystem else { return }
        _ = try? fileSystem.getattr(.root, inode: .root, handle: nil)
        list(.root, of: fileSystem)
        fileSystem.destroy()
    }
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput") public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt { FuzzUpgradeState.fuzz(data, count) }
#else
@main enum Replay: ReplayMain { typealias Target = FuzzUpgradeState }
#endif
