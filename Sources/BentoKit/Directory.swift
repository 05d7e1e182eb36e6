/// One name in a directory listing (`struct dirent`). `cookie` is the position to resume from after it:
/// a later readdir with `offset == cookie` continues with the entry that follows.
public struct DirectoryEntry: Sendable, Hashable {
    /// The entry's inode number.
    public var inode: Inode
    /// The position after this entry (never 0; 0 means "from the start").
    public var cookie: UInt64
    /// The entry's type.
    public var type: FileType
    /// The entry's name (may be `.` or `..`).
    public var name: FileName

    /// An entry of a listing.
    public init(inode: Inode, cookie: UInt64, type: FileType, name: FileName) {
        self.inode = inode
        self.cookie = cookie
        self.type = type
        self.name = name
    }
}

/// The buffer a directory listing is written into: readdir and readdirplus append entries until it is full.
///
/// `append` answers false, and keeps nothing, once an entry no longer fits: the file system stops there and,
/// for readdirplus, does not count a lookup for the entry that did not fit. The host decides how many bytes an
/// entry takes (its wire size); the in-process driver counts entries.
public struct DirectoryListing: Sendable {
    /// The entries kept so far, each with its lookup answer when this is a readdirplus listing.
    public private(set) var entries: [(entry: DirectoryEntry, lookup: Entry?)] = []
    /// True for readdirplus: each appended entry must carry its lookup answer (nil for `.` and `..`).
    public let isPlus: Bool
    private var remaining: Int
    private let cost: @Sendable (_ nameLength: Int, _ isPlus: Bool) -> Int

    /// A listing that holds at most `capacity` units, each entry costing `cost(nameLength, isPlus)`.
    public init(capacity: Int, isPlus: Bool, cost: @escaping @Sendable (_ nameLength: Int, _ isPlus: Bool) -> Int) {
        self.remaining = capacity
        self.isPlus = isPlus
        self.cost = cost
    }

    /// Whether an entry named `name` still fits; check before doing a lookup for readdirplus.
    public func fits(_ name: FileName) -> Bool { cost(name.bytes.count, isPlus) <= remaining }

    /// Appends an entry if it fits; returns false (keeping nothing) when the listing is full.
    @discardableResult
    public mutating func append(_ entry: DirectoryEntry, lookup: Entry? = nil) -> Bool {
        let size = cost(entry.name.bytes.count, isPlus)
        guard size <= remaining else { return false }
        remaining -= size
        entries.append((entry, lookup))
        return true
    }
}

/// What `statfs(2)` reports (FUSE `fuse_kstatfs`).
public struct FileSystemStatistics: Sendable, Hashable {
    /// Fundamental block size (`f_bsize`).
    public var blockSize: UInt32
    /// Fragment size (`f_frsize`).
    public var fragmentSize: UInt32
    /// Total blocks, in fragment-size units.
    public var totalBlocks: UInt64
    /// Free blocks.
    public var freeBlocks: UInt64
    /// Free blocks for unprivileged users.
    public var availableBlocks: UInt64
    /// Total inodes.
    public var totalInodes: UInt64
    /// Free inodes.
    public var freeInodes: UInt64
    /// Longest name.
    public var maximumNameLength: UInt32

    /// Statistics; fragment size defaults to the block size, names to 255 bytes.
    public init(blockSize: UInt32 = 4096, fragmentSize: UInt32? = nil, totalBlocks: UInt64, freeBlocks: UInt64,
                availableBlocks: UInt64? = nil, totalInodes: UInt64, freeInodes: UInt64,
                maximumNameLength: UInt32 = UInt32(FileName.maximumLength)) {
        self.blockSize = blockSize
        self.fragmentSize = fragmentSize ?? blockSize
        self.totalBlocks = totalBlocks
        self.freeBlocks = freeBlocks
        self.availableBlocks = availableBlocks ?? freeBlocks
        self.totalInodes = totalInodes
        self.freeInodes = freeInodes
        self.maximumNameLength = maximumNameLength
    }
}
