/// Optional behaviours of the kernel side of a mount that a file system may ask for at `initialize`.
public struct Capabilities: OptionSet, Sendable, Hashable {
    /// The raw bits (our own numbering; the wire layer maps them to FUSE INIT flags).
    public var rawValue: UInt64
    /// Wraps raw bits.
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// Several reads of one file may be in flight (`FUSE_ASYNC_READ`).
    public static let asyncRead = Capabilities(rawValue: 1 << 0)
    /// Writes larger than a page (`FUSE_BIG_WRITES`).
    public static let bigWrites = Capabilities(rawValue: 1 << 1)
    /// The kernel caches writes and sends them later (`FUSE_WRITEBACK_CACHE`); the file system may then get
    /// reads on write-only handles and must not rely on `O_APPEND` positions.
    public static let writebackCache = Capabilities(rawValue: 1 << 2)
    /// Listing a directory also returns each entry's attributes (`FUSE_DO_READDIRPLUS`).
    public static let readdirPlus = Capabilities(rawValue: 1 << 3)
    /// Let the kernel choose between readdir and readdirplus (`FUSE_READDIRPLUS_AUTO`).
    public static let readdirPlusAuto = Capabilities(rawValue: 1 << 4)
    /// Lookups and readdirs in one directory may run in parallel (`FUSE_PARALLEL_DIROPS`).
    public static let parallelDirectoryOperations = Capabilities(rawValue: 1 << 5)
    /// Drop cached pages when the file's mtime or size changes (`FUSE_AUTO_INVAL_DATA`).
    public static let autoInvalidateData = Capabilities(rawValue: 1 << 6)
    /// The kernel caches symlink targets (`FUSE_CACHE_SYMLINKS`).
    public static let cacheSymlinks = Capabilities(rawValue: 1 << 7)
    /// The file system clears set-id bits on write and chown itself (`FUSE_HANDLE_KILLPRIV_V2`).
    public static let handleKillPrivilege = Capabilities(rawValue: 1 << 8)
    /// The kernel's `O_DIRECT` reads and writes may be asynchronous (`FUSE_ASYNC_DIO`).
    public static let asyncDirectIO = Capabilities(rawValue: 1 << 9)
    /// `O_TRUNC` reaches `open`, which truncates, instead of a separate setattr (`FUSE_ATOMIC_O_TRUNC`).
    public static let atomicOpenTruncate = Capabilities(rawValue: 1 << 10)
    /// Nanosecond-granular timestamps; without it the kernel rounds.
    public static let nanosecondTimes = Capabilities(rawValue: 1 << 11)
    /// Reads, writes and mmap of a file opened with a backing descriptor (`OpenReply.backingDescriptor`) go straight
    /// to that host file, never to the file system (`FUSE_PASSTHROUGH`); never together with the writeback cache.
    public static let passthrough = Capabilities(rawValue: 1 << 12)
    /// File handles (`name_to_handle_at`, an NFS export) that outlive the kernel's memory of an inode
    /// (`FUSE_EXPORT_SUPPORT`): to open a handle whose inode it has forgotten, the kernel looks up `.` in that
    /// inode, and a directory's parent by `..`; `lookup` must answer both for any inode that still exists, and
    /// node ids and generations must name the same file for as long as it exists (across remounts, for a file
    /// system whose handles should survive one).
    public static let exportHandles = Capabilities(rawValue: 1 << 13)
    /// POSIX ACLs (`FUSE_POSIX_ACL`, with `FUSE_DONT_MASK` and `FUSE_SETXATTR_EXT`): the kernel checks
    /// permissions against the `system.posix_acl_access` attribute it reads from the file system (and turns on
    /// `default_permissions`), leaves the umask to the file system (`Request.umask`) and says when setting an ACL
    /// clears set-group-ID (`XattrFlags.clearSetGroupID`). The file system stores the two ACL attributes and
    /// keeps them in step with the mode, as `Ownership+AccessControl` describes.
    public static let posixACLs = Capabilities(rawValue: 1 << 14)
}

/// The negotiation between the kernel and a file system at mount time.
///
/// The host fills in what the kernel offers and what the mount's options force; the file system's `initialize`
/// adjusts `wanted` and the sizes. What is finally enabled is `enabled`: offered ∩ ((wanted ∪ forcedOn) − forcedOff).
public struct Connection: Sendable {
    /// The protocol version the kernel speaks (major, minor).
    public let protocolVersion: (major: UInt32, minor: UInt32)
    /// What the kernel offers.
    public let offered: Capabilities
    /// What the file system wants; starts as the host's defaults (async read, big writes, parallel dirops,
    /// readdirplus auto, nanosecond times).
    public var wanted: Capabilities
    /// Largest write the kernel sends, in bytes (at most 1 MiB by default on this kernel).
    public var maximumWrite: UInt32
    /// Largest readahead the kernel does, in bytes.
    public var maximumReadahead: UInt32
    /// True when the mount has `-o ro`: the file system should refuse changes with `EROFS`.
    public let isReadOnly: Bool
    /// How long the kernel may cache what the file system answers; `.conservative` until the file system says
    /// who else changes its data (`.soleWriter`, `.sharedSource(mode)`). Fixed for the life of the mount.
    public var cachePolicy: CachePolicy = .conservative
    /// True when the files a file system hands over for passthrough sit on a stacked file system (overlayfs, a FUSE
    /// mount): the kernel then allows them one stacking level more, and nothing can be stacked over this mount.
    public var backingFilesAreStacked = false
    /// What the mount's options force on (`-o writeback`) or off (`-o nowriteback`) whatever `wanted` says. The
    /// host sets them before `initialize`, so `enabled` read there is already what the kernel will get.
    public var forcedOn: Capabilities = []
    /// See `forcedOn`.
    public var forcedOff: Capabilities = []

    /// A connection as offered by a kernel (or by the in-process driver).
    public init(protocolVersion: (major: UInt32, minor: UInt32), offered: Capabilities, wanted: Capabilities,
                maximumWrite: UInt32, maximumReadahead: UInt32, isReadOnly: Bool) {
        self.protocolVersion = protocolVersion
        self.offered = offered
        self.wanted = wanted
        self.maximumWrite = maximumWrite
        self.maximumReadahead = maximumReadahead
        self.isReadOnly = isReadOnly
    }

    /// What is enabled once negotiation is over: offered, and wanted or forced on, and not forced off.
    public var enabled: Capabilities { offered.intersection(wanted.union(forcedOn).subtracting(forcedOff)) }
}
