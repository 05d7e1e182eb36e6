/// A file-system object's number as the kernel knows it (FUSE `nodeid`). The root is always `.root` (1).
public struct Inode: RawRepresentable, Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The raw node id.
    public var rawValue: UInt64
    /// Wraps a raw node id.
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    /// Wraps a raw node id.
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    /// The root directory of every mount (FUSE_ROOT_ID).
    public static let root = Inode(1)
    public static func < (a: Inode, b: Inode) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "inode \(rawValue)" }
}

/// A file system's own token for an open file or directory (FUSE `fh`), chosen at open and given back on every call.
public struct FileHandle: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The raw handle.
    public var rawValue: UInt64
    /// Wraps a raw handle.
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    /// Wraps a raw handle.
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public var description: String { "handle \(rawValue)" }
}

/// A numeric user id (`uid_t`).
public struct UserID: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The raw uid.
    public var rawValue: UInt32
    /// Wraps a raw uid.
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// Wraps a raw uid.
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }
    /// The superuser.
    public static let root = UserID(0)
    public var description: String { "uid \(rawValue)" }
}

/// A numeric group id (`gid_t`).
public struct GroupID: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The raw gid.
    public var rawValue: UInt32
    /// Wraps a raw gid.
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// Wraps a raw gid.
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }
    /// The superuser's group.
    public static let root = GroupID(0)
    public var description: String { "gid \(rawValue)" }
}
