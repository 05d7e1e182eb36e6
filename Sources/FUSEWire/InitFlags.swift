import BentoKit

/// The capability bits of INIT (`FUSE_*` flags of `fuse_init_in`/`fuse_init_out`): `flags` in the low 32
/// bits, `flags2` in the high 32 bits (as `fuse.h` numbers them).
public struct InitFlags: OptionSet, Sendable, Hashable {
    /// The raw bits.
    public var rawValue: UInt64
    /// Wraps raw bits.
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// `FUSE_ASYNC_READ`.
    public static let asyncRead = InitFlags(rawValue: 1 << 0)
    /// `FUSE_ATOMIC_O_TRUNC`.
    public static let atomicOpenTruncate = InitFlags(rawValue: 1 << 3)
    /// `FUSE_EXPORT_SUPPORT`: the kernel decodes file handles of inodes it forgot by LOOKUP of `.` and `..`.
    public static let exportSupport = InitFlags(rawValue: 1 << 4)
    /// `FUSE_BIG_WRITES`.
    public static let bigWrites = InitFlags(rawValue: 1 << 5)
    /// `FUSE_DONT_MASK`: the kernel leaves the umask to the file system (asked for with POSIX ACLs).
    public static let dontMask = InitFlags(rawValue: 1 << 6)
    /// `FUSE_AUTO_INVAL_DATA`.
    public static let autoInvalidateData = InitFlags(rawValue: 1 << 12)
    /// `FUSE_DO_READDIRPLUS`.
    public static let readdirPlus = InitFlags(rawValue: 1 << 13)
    /// `FUSE_READDIRPLUS_AUTO`.
    public static let readdirPlusAuto = InitFlags(rawValue: 1 << 14)
    /// `FUSE_ASYNC_DIO`.
    public static let asyncDirectIO = InitFlags(rawValue: 1 << 15)
    /// `FUSE_WRITEBACK_CACHE`.
    public static let writebackCache = InitFlags(rawValue: 1 << 16)
    /// `FUSE_PARALLEL_DIROPS`.
    public static let parallelDirectoryOperations = InitFlags(rawValue: 1 << 18)
    /// `FUSE_POSIX_ACL`: the kernel checks POSIX ACLs it reads from the file system's attributes.
    public static let posixACL = InitFlags(rawValue: 1 << 20)
    /// `FUSE_MAX_PAGES`: `fuse_init_out.max_pages` is valid.
    public static let maximumPages = InitFlags(rawValue: 1 << 22)
    /// `FUSE_CACHE_SYMLINKS`.
    public static let cacheSymlinks = InitFlags(rawValue: 1 << 23)
    /// `FUSE_HANDLE_KILLPRIV_V2`.
    public static let handleKillPrivilege = InitFlags(rawValue: 1 << 28)
    /// `FUSE_SETXATTR_EXT`: the 16-byte `fuse_setxattr_in`, which says when an ACL set clears set-group-ID
    /// (asked for with POSIX ACLs).
    public static let setxattrExtended = InitFlags(rawValue: 1 << 29)
    /// `FUSE_INIT_EXT`: `flags2` is valid in both directions.
    public static let initExtended = InitFlags(rawValue: 1 << 30)
    /// `FUSE_PASSTHROUGH` (flags2, 7.40+): opens may name a backing file (`fuse_open_out.backing_id`) that the kernel
    /// reads and writes itself; answered with `fuse_init_out.max_stack_depth` > 0 and never with the writeback cache.
    public static let passthrough = InitFlags(rawValue: 1 << 37)
    /// `FUSE_OVER_IO_URING` (flags2, 7.42+): offered when the kernel's `enable_uring` is on; answered when the
    /// server will fetch requests through io_uring (see `RingLayout`). Not a file-system capability.
    public static let overIOURing = InitFlags(rawValue: 1 << 41)

    /// Each BentoKit capability and the INIT flag that carries it. `nanosecondTimes` has no flag: it is
    /// `fuse_init_out.time_gran` (see `InitArguments.offeredCapabilities`).
    static let capabilityTable: [(Capabilities, InitFlags)] = [
        (.asyncRead, .asyncRead),
        (.bigWrites, .bigWrites),
        (.writebackCache, .writebackCache),
        (.readdirPlus, .readdirPlus),
        (.readdirPlusAuto, .readdirPlusAuto),
        (.parallelDirectoryOperations, .parallelDirectoryOperations),
        (.autoInvalidateData, .autoInvalidateData),
        (.cacheSymlinks, .cacheSymlinks),
        (.handleKillPrivilege, .handleKillPrivilege),
        (.asyncDirectIO, .asyncDirectIO),
        (.atomicOpenTruncate, .atomicOpenTruncate),
        (.passthrough, .passthrough),
        (.exportHandles, .exportSupport),
        (.posixACLs, [.posixACL, .dontMask, .setxattrExtended]),
    ]

    /// The INIT flags that carry `capabilities`.
    public init(_ capabilities: Capabilities) {
        self = []
        for (capability, flag) in Self.capabilityTable where capabilities.contains(capability) { insert(flag) }
    }

    /// The capabilities these flags carry.
    public var capabilities: Capabilities {
        var result: Capabilities = []
        for (capability, flag) in Self.capabilityTable where contains(flag) { result.insert(capability) }
        return result
    }
}
