import BentoKit

/// What follows `fuse_out_header` in a successful reply, by kind of answer.
public enum ReplyBody: Sendable, Hashable {
    /// Nothing: unlink, rmdir, rename, release, flush, fsync, setxattr, access, destroy, ...
    case empty
    /// `fuse_entry_out`: lookup, mknod, mkdir, symlink, link.
    case entry(Entry)
    /// `fuse_entry_out` with node id 0: a LOOKUP of a name that does not exist, which the kernel may remember
    /// for the given time instead of asking again.
    case negativeEntry(Duration)
    /// `fuse_attr_out`: getattr, setattr.
    case attributes(AttributesReply)
    /// `fuse_open_out`: open, opendir; with a backing file, the kernel passes the open file through to it.
    case open(OpenReply, backing: BackingID? = nil)
    /// `fuse_entry_out` then `fuse_open_out`: create; with a backing file, as for open.
    case create(CreateReply, backing: BackingID? = nil)
    /// `fuse_write_out`: write, copy_file_range.
    case written(UInt32)
    /// `fuse_statfs_out`.
    case statistics(FileSystemStatistics)
    /// `fuse_getxattr_out`: the size a getxattr or listxattr value needs (asked with size 0).
    case xattrSize(UInt32)
    /// `fuse_lseek_out`.
    case offset(UInt64)
    /// `fuse_ioctl_out` with result 0, then `output`.
    case ioctl(output: [UInt8])
    /// `fuse_init_out`.
    case initialize(InitReply)
    /// Only `major` and `minor` of `fuse_init_out`: the answer to a kernel with a newer major version,
    /// which then sends INIT again with ours.
    case protocolVersion(major: UInt32, minor: UInt32)
    /// Raw data after the header: read, readlink, getxattr, listxattr, readdir, readdirplus.
    case data([UInt8])
    /// `count` bytes of read data already where the transport sends the payload from: only the header is encoded,
    /// its length counting them.
    case dataInPlace(count: Int)
}

/// The server's half of INIT (`fuse_init_out`).
public struct InitReply: Sendable, Hashable {
    /// The protocol major version (7).
    public var major: UInt32
    /// The protocol minor version both sides speak: min(kernel's, ours). Below 7.23 the reply is the
    /// 24-byte `fuse_init_out` those kernels know.
    public var minor: UInt32
    /// Largest readahead, in bytes.
    public var maximumReadahead: UInt32
    /// The capabilities enabled (`flags`, and `flags2` in the upper bits).
    public var flags: InitFlags
    /// Background requests the kernel may queue (`max_background`).
    public var maximumBackground: UInt16
    /// Background requests at which the kernel reports congestion (`congestion_threshold`).
    public var congestionThreshold: UInt16
    /// Largest write, in bytes (`max_write`).
    public var maximumWrite: UInt32
    /// Timestamp granularity in nanoseconds (`time_gran`).
    public var timeGranularity: UInt32
    /// Largest request in pages, valid with `FUSE_MAX_PAGES` (`max_pages`).
    public var maximumPages: UInt16
    /// How many file systems may be stacked up to and including this mount, with `FUSE_PASSTHROUGH`
    /// (`max_stack_depth`: 1, or 2 when backing files sit on a stacked file system; 0 turns passthrough off).
    public var maximumStackDepth: UInt32

    /// An INIT reply.
    public init(major: UInt32, minor: UInt32, maximumReadahead: UInt32, flags: InitFlags, maximumBackground: UInt16,
                congestionThreshold: UInt16, maximumWrite: UInt32, timeGranularity: UInt32, maximumPages: UInt16,
                maximumStackDepth: UInt32 = 0) {
        self.major = major
        self.minor = minor
        self.maximumReadahead = maximumReadahead
        self.flags = flags
        self.maximumBackground = maximumBackground
        self.congestionThreshold = congestionThreshold
        self.maximumWrite = maximumWrite
        self.timeGranularity = timeGranularity
        self.maximumPages = maximumPages
        self.maximumStackDepth = maximumStackDepth
    }
}
