/// The flags of `open(2)` as the kernel passes them on (`O_RDONLY`, `O_WRONLY`, `O_RDWR`, `O_APPEND`, `O_TRUNC`, ...).
/// Linux x86-64 values.
public struct OpenFlags: OptionSet, Sendable, Hashable {
    /// The raw flag bits.
    public var rawValue: Int32
    /// Wraps raw flag bits.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// Mask of the access mode (`O_ACCMODE`).
    public static let accessModeMask: Int32 = 0o3
    /// Write only (`O_WRONLY`).
    public static let writeOnly = OpenFlags(rawValue: 0o1)
    /// Read and write (`O_RDWR`).
    public static let readWrite = OpenFlags(rawValue: 0o2)
    /// Create if missing (`O_CREAT`).
    public static let create = OpenFlags(rawValue: 0o100)
    /// Fail if it exists (`O_EXCL`).
    public static let exclusive = OpenFlags(rawValue: 0o200)
    /// Truncate to zero (`O_TRUNC`).
    public static let truncate = OpenFlags(rawValue: 0o1000)
    /// Writes go to the end (`O_APPEND`).
    public static let append = OpenFlags(rawValue: 0o2000)
    /// Non-blocking (`O_NONBLOCK`).
    public static let nonBlocking = OpenFlags(rawValue: 0o4000)
    /// Data-synchronous writes (`O_DSYNC`).
    public static let dataSync = OpenFlags(rawValue: 0o10000)
    /// Direct I/O (`O_DIRECT`).
    public static let direct = OpenFlags(rawValue: 0o40000)
    /// Must be a directory (`O_DIRECTORY`).
    public static let directory = OpenFlags(rawValue: 0o200000)
    /// Do not follow a final symlink (`O_NOFOLLOW`).
    public static let noFollow = OpenFlags(rawValue: 0o400000)
    /// Do not update the access time (`O_NOATIME`).
    public static let noAccessTime = OpenFlags(rawValue: 0o1000000)
    /// Synchronous writes (`O_SYNC`, includes `O_DSYNC`).
    public static let sync = OpenFlags(rawValue: 0o4010000)

    /// True when the file is opened for reading.
    public var isReadable: Bool { rawValue & Self.accessModeMask != 0o1 }
    /// True when the file is opened for writing.
    public var isWritable: Bool { rawValue & Self.accessModeMask != 0 }
}

/// How the kernel should treat an open file or directory (FUSE `FOPEN_*`).
public struct OpenOptions: OptionSet, Sendable, Hashable {
    /// The raw `open_flags` bits.
    public var rawValue: UInt32
    /// Wraps raw bits.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Bypass the page cache for this file (`FOPEN_DIRECT_IO`).
    public static let directIO = OpenOptions(rawValue: 1 << 0)
    /// Keep cached pages from earlier opens (`FOPEN_KEEP_CACHE`).
    public static let keepCache = OpenOptions(rawValue: 1 << 1)
    /// The file is not seekable (`FOPEN_NONSEEKABLE`).
    public static let nonSeekable = OpenOptions(rawValue: 1 << 2)
    /// Cache directory listings (`FOPEN_CACHE_DIR`, opendir only).
    public static let cacheDirectory = OpenOptions(rawValue: 1 << 3)
    /// The file is a stream with no position (`FOPEN_STREAM`).
    public static let stream = OpenOptions(rawValue: 1 << 4)
    /// Do not send FLUSH on close (`FOPEN_NOFLUSH`).
    public static let noFlush = OpenOptions(rawValue: 1 << 5)
    /// Allow parallel direct writes (`FOPEN_PARALLEL_DIRECT_WRITES`).
    public static let parallelDirectWrites = OpenOptions(rawValue: 1 << 6)
}

/// The answer to open, opendir and the open half of create: the file system's handle and cache options.
public struct OpenReply: Sendable, Hashable {
    /// The handle the kernel gives back on later calls for this open file.
    public var handle: FileHandle
    /// Cache behaviour for this open.
    public var options: OpenOptions
    /// An open host descriptor of this file's data, kept open at least as long as the handle: where the mount
    /// passes files through (`Capabilities.passthrough`), the kernel reads, writes and maps it directly.
    public var backingDescriptor: Int32?

    /// A reply with the given handle, options and backing descriptor.
    public init(handle: FileHandle, options: OpenOptions = [], backingDescriptor: Int32? = nil) {
        self.handle = handle
        self.options = options
        self.backingDescriptor = backingDescriptor
    }
}

/// The answer to create: the new entry and the open file.
public struct CreateReply: Sendable, Hashable {
    /// The new file's entry (counts one lookup).
    public var entry: Entry
    /// The open file.
    public var open: OpenReply

    /// Pairs an entry with an open file.
    public init(entry: Entry, open: OpenReply) {
        self.entry = entry
        self.open = open
    }
}
