/// What `stat(2)` reports about an object (FUSE `fuse_attr`).
public struct Attributes: Sendable, Hashable {
    /// The object's inode number.
    public var inode: Inode
    /// Size in bytes (for symlinks, the target's length).
    public var size: UInt64
    /// Space used, in 512-byte units.
    public var blocks: UInt64
    /// Last access.
    public var accessTime: Timestamp
    /// Last change of contents.
    public var modificationTime: Timestamp
    /// Last change of the inode (attributes, links, contents).
    public var changeTime: Timestamp
    /// Type and permissions.
    public var mode: FileMode
    /// Number of hard links.
    public var linkCount: UInt32
    /// Owner.
    public var uid: UserID
    /// Group.
    public var gid: GroupID
    /// Device number for character and block devices (`st_rdev`), else 0.
    public var device: UInt32
    /// Preferred I/O size (`st_blksize`).
    public var blockSize: UInt32

    /// Builds attributes; times default to the epoch, sizes to zero.
    public init(
        inode: Inode, size: UInt64 = 0, blocks: UInt64 = 0,
        accessTime: Timestamp = .zero, modificationTime: Timestamp = .zero, changeTime: Timestamp = .zero,
        mode: FileMode, linkCount: UInt32 = 1, uid: UserID = .root, gid: GroupID = .root,
        device: UInt32 = 0, blockSize: UInt32 = 4096
    ) {
        self.inode = inode
        self.size = size
        self.blocks = blocks
        self.accessTime = accessTime
        self.modificationTime = modificationTime
        self.changeTime = changeTime
        self.mode = mode
        self.linkCount = linkCount
        self.uid = uid
        self.gid = gid
        self.device = device
        self.blockSize = blockSize
    }
}

/// The answer to lookup, mknod, mkdir, symlink, link and create (FUSE `fuse_entry_out`): the object's attributes
/// and how long the kernel may cache the name and the attributes. Each `Entry` returned counts one lookup of
/// its inode, to be balanced later by `forget`.
public struct Entry: Sendable, Hashable {
    /// The node id the kernel names the object by in later requests (FUSE `nodeid`). Usually its inode number
    /// (`attributes.inode`, what `stat` shows); a file system whose ids are its own (passthrough's table slots)
    /// gives them here and reports the object's real inode number in `attributes`.
    public var inode: Inode
    /// The object found or made.
    public var attributes: Attributes
    /// Generation number: (inode, generation) must be unique over the file system's life.
    public var generation: UInt64
    /// How long the kernel may cache the name → inode mapping; nil: as the mount's `CachePolicy` says.
    public var entryTimeout: Duration?
    /// How long the kernel may cache the attributes; nil: as the mount's `CachePolicy` says.
    public var attributeTimeout: Duration?

    /// An entry named by `inode` (by default `attributes.inode`); without timeouts, the kernel caches it as the
    /// file system's `CachePolicy` says.
    public init(attributes: Attributes, inode: Inode? = nil, generation: UInt64 = 0,
                entryTimeout: Duration? = nil, attributeTimeout: Duration? = nil) {
        self.inode = inode ?? attributes.inode
        self.attributes = attributes
        self.generation = generation
        self.entryTimeout = entryTimeout
        self.attributeTimeout = attributeTimeout
    }

}

/// The answer to getattr and setattr (FUSE `fuse_attr_out`): attributes plus how long the kernel may cache them.
public struct AttributesReply: Sendable, Hashable {
    /// The attributes.
    public var attributes: Attributes
    /// How long the kernel may cache them; nil: as the mount's `CachePolicy` says.
    public var timeout: Duration?

    /// Attributes valid for `timeout`; without one, as the file system's `CachePolicy` says.
    public init(_ attributes: Attributes, timeout: Duration? = nil) {
        self.attributes = attributes
        self.timeout = timeout
    }
}
