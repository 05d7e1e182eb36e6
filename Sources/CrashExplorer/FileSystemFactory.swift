import BentoKit
import BentoServices
import InProcess
import ProvFS
import XV6FS

/// How the explorer makes, mounts, checks and syncs one kind of file system on a block device: all it needs to
/// crash-test any Bento file system.
public struct FileSystemFactory: Sendable {
    /// A name for reports (`xv6fs data=journal`).
    public var name: String
    /// Blocks of 4 KiB on the simulated disk.
    public var blocks: UInt64
    /// Formats an empty device.
    public var format: @Sendable (any BlockDevice) throws -> Void
    /// Mounts the file system on a device (after a crash: recovers it, e.g. replays the journal).
    public var mount: @Sendable (any BlockDevice) throws -> any FileSystem
    /// Checks a device without changing it; returns the inconsistencies found (none for a sound image).
    public var fsck: @Sendable (any BlockDevice) -> [String]
    /// The file system's own `syncfs`, called after the driver's sync (which fsyncs what is open and the root).
    public var sync: @Sendable (any FileSystem) throws -> Void
    /// Checks the file system's own promises about a recovered state (mounted, as the driver sees it); returns
    /// what is wrong. provfs: its provenance log agrees with the tree (`ProvenanceAudit`). Default: nothing.
    public var audit: @Sendable (any FileSystem, InProcessFileSystem) -> [String]

    /// A factory from its parts; `sync` defaults to nothing beyond the driver's sync.
    public init(name: String, blocks: UInt64,
                format: @escaping @Sendable (any BlockDevice) throws -> Void,
                mount: @escaping @Sendable (any BlockDevice) throws -> any FileSystem,
                fsck: @escaping @Sendable (any BlockDevice) -> [String],
                sync: @escaping @Sendable (any FileSystem) throws -> Void = { _ in },
                audit: @escaping @Sendable (any FileSystem, InProcessFileSystem) -> [String] = { _, _ in [] }) {
        self.name = name
        self.blocks = blocks
        self.format = format
        self.mount = mount
        self.fsck = fsck
        self.sync = sync
        self.audit = audit
    }

    /// xv6fs in `mode` on a small image (4 MiB, a 256-block journal, 256 inodes), mounted without the periodic
    /// committer so that only the workload decides what reaches the disk. `device` lets a test put a wrapper
    /// between the file system and the disk (a broken variant); a sync is xv6fs's own (`XV6FS.sync`: commit
    /// and checkpoint).
    public static func xv6fs(_ mode: DataMode, name: String? = nil,
                             device: @escaping @Sendable (any BlockDevice) -> any BlockDevice = { $0 }) -> FileSystemFactory {
        FileSystemFactory(
            name: name ?? "xv6fs data=\(mode)", blocks: 1024,
            format: { try XV6FS.mkfs(device: $0, options: MkfsOptions(journalBlocks: 256, inodeCount: 256, dataMode: mode)) },
            mount: { try XV6FS(device: device($0), options: XV6FS.Options(dataMode: mode, cacheBlocks: 2048, commitInterval: nil)) },
            fsck: { XV6FS.fsck(device: $0).problems },
            sync: { try ($0 as? XV6FS)?.sync() })
    }

    /// provfs (xv6fs with its provenance log, from mkfs on) in `mode`, as `xv6fs` mounts it; every recovered
    /// state is also audited: the log must agree with the tree (`ProvenanceAudit`). `log` makes each mount's
    /// operation log (a test may put a broken one in).
    public static func provfs(_ mode: DataMode, name: String? = nil,
                              log: @escaping @Sendable () -> any OperationLog = {
                                  ProvenanceRecorder(processes: SimulatedProcessDirectory())
                              }) -> FileSystemFactory {
        var factory = xv6fs(mode, name: name ?? "provfs data=\(mode)")
        factory.mount = { device in
            try XV6FS(device: device, options: XV6FS.Options(dataMode: mode, cacheBlocks: 2048, commitInterval: nil,
                                                              operationLog: log()))
        }
        factory.audit = provenanceProblems
        return factory
    }

    /// What disagrees between provfs `fileSystem`'s log (begun at mkfs) and the tree `mounted` shows of it
    /// (`ProvenanceAudit`); empty when they agree.
    public static func provenanceProblems(of fileSystem: any FileSystem, mounted: InProcessFileSystem) -> [String] {
        guard let xv6fs = fileSystem as? XV6FS, let log = try? ProvenanceLog(of: xv6fs) else { return ["provfs has no provenance log"] }
        var tree: [(path: String, inode: UInt64, size: UInt64?)] = []
        var pending = [""]
        while let directory = pending.popLast() {
            for entry in (try? mounted.readdir(directory.isEmpty ? "/" : directory)) ?? [] where !entry.name.isDotOrDotDot {
                let path = directory + "/" + entry.name.description
                let isDirectory = entry.type == .directory
                tree.append((path, entry.inode.rawValue, isDirectory ? nil : (try? mounted.lstat(path))?.size))
                if isDirectory { pending.append(path) }
            }
        }
        return ProvenanceAudit.problems(log: log, tree: tree)
    }
}
