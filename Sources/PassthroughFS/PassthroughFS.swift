import BentoKit
import BentoSystem
import Synchronization

/// A file system that mirrors a host directory: every operation becomes the same system call on the host
/// (libfuse's `passthrough_hp`, in safe Swift).
///
/// Identity. Each inode the kernel knows is a node in an `InodeTable`, keyed by the host's `(st_dev, st_ino)`
/// and anchored by its Linux file handle (`name_to_handle_at`), not by an open descriptor. Descriptors that
/// name inodes (`O_PATH`) live in a `DescriptorCache` of at most `Options.maxCachedDescriptors`; an evicted one
/// is reopened with `open_by_handle_at` (needs `CAP_DAC_READ_SEARCH`). So the descriptors held stay bounded by
/// the cache plus the files and directories applications have open, however many inodes the kernel remembers.
/// A handle whose object was deleted behind our back gives `ESTALE`.
///
/// Callers. Calls that create objects (mknod, mkdir, symlink, create, link), remove or rename them, change
/// attributes, or check access run with the caller's file-system uid and gid (`setfsuid`/`setfsgid`, per
/// thread) so new objects belong to the caller, set-group-id directories pass on their group, and the host
/// checks permissions as the caller (with this process's supplementary groups). The remaining calls (lookup,
/// open, read, write, xattrs) run as this process; mounted, the kernel checks them with `default_permissions`.
///
/// Passthrough. Every open file's reply carries its host descriptor as the backing descriptor: where the mount
/// passes files through (FUSE passthrough, asked for in `initialize` wherever the kernel offers it), the kernel then
/// reads, writes and maps the host file itself and those requests never reach this file system.
///
/// Locking. Three locks, each held only for table updates, never across a system call: the inode table, the
/// descriptor cache and the open-file table. A directory handle's listing has its own lock, held while it reads
/// (and, for readdirplus, looks up) entries; it is always taken before the others.
public final class PassthroughFS: FileSystem {
    /// Tuning for a passthrough mount.
    public struct Options: Sendable {
        /// How much the kernel may cache (`-o cache=`): the host directory can change behind the mount's back.
        public var cache: CacheMode
        /// The most `O_PATH` descriptors kept open to name inodes.
        public var maxCachedDescriptors: Int
        /// Ask the kernel for writeback caching; opens then turn write-only into read-write and drop `O_APPEND`.
        public var writebackCache: Bool

        /// Options with `cache=auto`, 1,000 cached descriptors and no writeback cache.
        public init(cache: CacheMode = .auto, maxCachedDescriptors: Int = 1000, writebackCache: Bool = false) {
            self.cache = cache
            self.maxCachedDescriptors = maxCachedDescriptors
            self.writebackCache = writebackCache
        }
    }

    /// The options this file system was made with.
    public let options: Options
    /// The mirrored host directory, as given.
    public let rootPath: String

    let inodes: Mutex<InodeTable>
    let descriptors: Mutex<DescriptorCache>
    let openObjects = Mutex(OpenFileTable())
    let writebackEnabled = Atomic<Bool>(false)
    /// Whether the mirrored directory sits on a stacked file system (overlayfs, FUSE), which passthrough must know.
    let sourceIsStacked: Bool

    /// Mirrors the host directory at `root`. Throws `ENOENT` when it does not exist and `ENOTDIR` when it is
    /// not a directory.
    public init(root: String, options: Options = .init()) throws(Errno) {
        let descriptor = try HostDescriptor.openDirectory(atPath: root)
        let status = try descriptor.status()
        self.rootPath = root
        self.options = options
        self.sourceIsStacked = (try? descriptor.isOnStackedFileSystem()) ?? false
        var table = InodeTable(root: HostIdentity(device: status.device, inode: status.inode), descriptor: descriptor)
        if let (_, mountID) = try? descriptor.fileHandle() {
            _ = table.addMount(mountID, descriptor: try descriptor.openAsMountDescriptor())
        }
        self.inodes = Mutex(table)
        self.descriptors = Mutex(DescriptorCache(capacity: options.maxCachedDescriptors))
    }

    /// Declares how much the kernel may cache (the options' `cache` mode), asks for passthrough of open files where
    /// the kernel offers it, and turns on writeback caching when asked for in the options and offered by the kernel
    /// (the host then leaves passthrough off: the kernel refuses both together).
    public func initialize(_ connection: inout Connection) throws(Errno) {
        connection.cachePolicy = .sharedSource(options.cache)
        // POSIX ACLs are the host's: kept, inherited and applied by its file system (PassthroughFS+Xattrs.swift).
        connection.wanted.insert(.posixACLs)
        if connection.offered.contains(.passthrough) {
            connection.wanted.insert(.passthrough)
            connection.backingFilesAreStacked = sourceIsStacked
        }
        if options.writebackCache && connection.offered.contains(.writebackCache) {
            connection.wanted.insert(.writebackCache)
            writebackEnabled.store(true, ordering: .relaxed)
        }
    }

    /// How many inodes the kernel currently knows (the root included); for tests and statistics.
    public var knownInodeCount: Int { inodes.withLock { $0.count } }

    /// How many descriptors are cached to name inodes; never more than `Options.maxCachedDescriptors`.
    public var cachedDescriptorCount: Int { descriptors.withLock { $0.count } }

    /// The outstanding lookups of `inode` (0 when the kernel has forgotten it); for tests and statistics.
    public func lookupCount(of inode: Inode) -> UInt64 { inodes.withLock { $0.node(inode.rawValue)?.lookupCount ?? 0 } }

    public func lookup(_ request: Request, parent: Inode, name: FileName) throws(Errno) -> Entry {
        let directory = try descriptor(for: parent)
        // `..` of the root stays inside the mirrored tree.
        let hostName = (parent == .root && name == .dotDot) ? FileName.dot : name
        return try enter(in: directory, name: hostName)
    }

    public func forget(_ inode: Inode, count: UInt64) {
        guard inodes.withLock({ $0.forget(inode.rawValue, count: count) }) else { return }
        _ = descriptors.withLock { $0.remove(inode.rawValue) }
    }

    public func getattr(_ request: Request, inode: Inode, handle: FileHandle?) throws(Errno) -> AttributesReply {
        let target: HostDescriptor
        if let handle, case .file(let file)? = openObjects.withLock({ $0.object(handle) }) {
            target = file
        } else {
            target = try descriptor(for: inode)
        }
        return AttributesReply(attributes(of: try target.status()))
    }

    public func statfs(_ request: Request, inode: Inode) throws(Errno) -> FileSystemStatistics {
        let volume = try descriptor(for: inode).volumeStatistics()
        return FileSystemStatistics(
            blockSize: UInt32(clamping: volume.blockSize), fragmentSize: UInt32(clamping: volume.fragmentSize),
            totalBlocks: volume.totalBlocks, freeBlocks: volume.freeBlocks, availableBlocks: volume.availableBlocks,
            totalInodes: volume.totalInodes, freeInodes: volume.freeInodes,
            maximumNameLength: UInt32(clamping: volume.maximumNameLength))
    }
}
