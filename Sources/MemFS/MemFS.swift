#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import BentoKit
import Synchronization

/// An in-memory file system that behaves as Linux's tmpfs does: the reference other Bento file systems are
/// compared with.
///
/// Everything lives in one `State` behind a `Mutex`. Handlers take the lock once, do their work on the node
/// table and return values; the one large copy, turning file chunks into read bytes, happens after the lock is
/// dropped (chunks are copy-on-write, so taking them under the lock costs a reference each).
///
/// Lookup counting follows FUSE: each `Entry` returned counts one lookup, `forget` subtracts, and a node is
/// freed once it has no links, no lookups and no open handles. Inode numbers are never reused.
/// Reads and listings update access times as the mount's `AccessTimes` rule says (`relatime` by default, as tmpfs).
public final class MemFS: FileSystem {
    /// How a MemFS is set up.
    public struct Options: Sendable {
        /// Bytes of file data the file system may hold; nil means half of the machine's memory, as tmpfs.
        public var capacity: UInt64?
        /// How many objects may exist at once; nil means one per 4 KiB of capacity.
        public var maximumInodes: UInt64?
        /// Check permissions in MemFS (off when the kernel checks them with `default_permissions`).
        public var checksPermissions: Bool
        /// Ask the kernel for its writeback cache.
        public var writebackCache: Bool
        /// Permission bits of the root directory.
        public var rootPermissions: UInt32
        /// Owner of the root directory.
        public var rootOwner: UserID
        /// Group of the root directory.
        public var rootGroup: GroupID
        /// The value of `user.bento.version` on every file and directory; nil leaves that name to the user.
        public var versionAttribute: String?
        /// When reads and listings update access times (`-o relatime|strictatime|noatime`), as tmpfs.
        public var accessTimes: AccessTimes

        /// Options; every default suits an in-process file system checked by MemFS itself.
        public init(capacity: UInt64? = nil, maximumInodes: UInt64? = nil, checksPermissions: Bool = true,
                    writebackCache: Bool = false, rootPermissions: UInt32 = 0o755,
                    rootOwner: UserID = .root, rootGroup: GroupID = .root, versionAttribute: String? = nil,
                    accessTimes: AccessTimes = .relatime) {
            self.capacity = capacity
            self.maximumInodes = maximumInodes
            self.checksPermissions = checksPermissions
            self.writebackCache = writebackCache
            self.rootPermissions = rootPermissions
            self.rootOwner = rootOwner
            self.rootGroup = rootGroup
            self.versionAttribute = versionAttribute
            self.accessTimes = accessTimes
        }
    }

    /// The options the file system was made with.
    public let options: Options
    let clock: any BentoKit.Clock
    let state: Mutex<State>

    /// An empty file system holding only its root directory.
    public convenience init(options: Options = .init(), clock: any BentoKit.Clock = SystemClock()) {
        let root = Node(inode: .root, mode: FileMode(type: .directory, permissions: options.rootPermissions),
                        uid: options.rootOwner, gid: options.rootGroup, now: clock.now())
        self.init(options: options, clock: clock, state: State(root: root, limits: Self.limits(options)))
    }

    /// A file system holding `state` (made, or handed over by an upgrade).
    init(options: Options, clock: any BentoKit.Clock, state: sending State) {
        self.options = options
        self.clock = clock
        self.state = Mutex(state)
    }

    /// The fixed settings `options` ask for; capacity defaults to half the machine's memory, as tmpfs.
    static func limits(_ options: Options) -> State.Limits {
        let capacity = options.capacity ?? ProcessInfo.processInfo.physicalMemory / 2
        return State.Limits(capacity: capacity, maximumInodes: options.maximumInodes ?? max(capacity / 4096, 16),
                            checksPermissions: options.checksPermissions)
    }

    /// Runs `body` with the state locked.
    func locked<Result: Sendable>(_ body: (inout State) throws(Errno) -> Result) throws(Errno) -> Result {
        try state.withLock { (state: inout State) throws(Errno) -> Result in try body(&state) }
    }

    /// Runs `body` with the state locked, after refusing with `EROFS` on a read-only mount.
    func modifying<Result: Sendable>(_ body: (inout State) throws(Errno) -> Result) throws(Errno) -> Result {
        try locked { (state: inout State) throws(Errno) -> Result in
            guard !state.isReadOnly else { throw .readOnlyFileSystem }
            return try body(&state)
        }
    }

    /// Records the mount's read-only flag, declares MemFS the only writer of what it holds (the kernel may cache
    /// everything until it changes it itself), asks for file handles (`exportHandles`) and for the writeback cache
    /// when the options say so.
    public func initialize(_ connection: inout Connection) throws(Errno) {
        connection.cachePolicy = .soleWriter
        if options.writebackCache { connection.wanted.insert(.writebackCache) }
        // MemFS clears set-id bits on writes itself, which spares the kernel a security.capability
        // getxattr before every write.
        connection.wanted.insert(.handleKillPrivilege)
        // Node ids are never reused: a file handle opens its node for as long as the node has a name.
        connection.wanted.insert(.exportHandles)
        // POSIX ACLs, kept as tmpfs keeps them (`Ownership+AccessControl`).
        connection.wanted.insert(.posixACLs)
        let enabled = connection.enabled, readOnly = connection.isReadOnly
        state.withLock { state in
            state.isReadOnly = readOnly
            state.writebackCache = enabled.contains(.writebackCache)
        }
    }

    /// Reports capacity and use: data in 4 KiB blocks, objects against the inode limit.
    public func statfs(_ request: Request, inode: Inode) throws(Errno) -> FileSystemStatistics {
        try locked { (state: inout State) throws(Errno) -> FileSystemStatistics in
            _ = try state.node(inode)
            let limits = state.limits
            let freeBytes = limits.capacity - min(state.usedBytes, limits.capacity)
            let objects = UInt64(state.nodes.count)
            return FileSystemStatistics(blockSize: 4096, totalBlocks: limits.capacity / 4096, freeBlocks: freeBytes / 4096,
                                        totalInodes: limits.maximumInodes,
                                        freeInodes: limits.maximumInodes - min(objects, limits.maximumInodes))
        }
    }
}
