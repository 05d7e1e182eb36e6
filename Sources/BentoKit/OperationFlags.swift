/// Flags of `renameat2(2)`.
public struct RenameFlags: OptionSet, Sendable, Hashable {
    /// The raw flag bits.
    public var rawValue: UInt32
    /// Wraps raw bits.
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// Fail with `EEXIST` if the target exists (`RENAME_NOREPLACE`).
    public static let noReplace = RenameFlags(rawValue: 1 << 0)
    /// Swap source and target atomically; both must exist (`RENAME_EXCHANGE`).
    public static let exchange = RenameFlags(rawValue: 1 << 1)
    /// Leave a whiteout behind (`RENAME_WHITEOUT`, overlayfs).
    public static let whiteout = RenameFlags(rawValue: 1 << 2)
}

/// Flags of `setxattr(2)`.
public struct XattrFlags: OptionSet, Sendable, Hashable {
    /// The raw flag bits.
    public var rawValue: UInt32
    /// Wraps raw bits.
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// Fail with `EEXIST` if the attribute exists (`XATTR_CREATE`).
    public static let create = XattrFlags(rawValue: 1)
    /// Fail with `ENODATA` if the attribute does not exist (`XATTR_REPLACE`).
    public static let replace = XattrFlags(rawValue: 2)
    /// Not a `setxattr(2)` flag: the host adds it to an ACL set by a caller neither in the file's group nor
    /// privileged, whose set-group-ID bit must go (`FUSE_SETXATTR_ACL_KILL_SGID`; see `FileMode.settingACL`).
    public static let clearSetGroupID = XattrFlags(rawValue: 1 << 16)
}

/// Modes of `fallocate(2)`.
public struct FallocateMode: OptionSet, Sendable, Hashable {
    /// The raw mode bits.
    public var rawValue: UInt32
    /// Wraps raw bits.
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// Do not change the file size (`FALLOC_FL_KEEP_SIZE`).
    public static let keepSize = FallocateMode(rawValue: 0x01)
    /// Deallocate the range, leaving a hole; needs `keepSize` (`FALLOC_FL_PUNCH_HOLE`).
    public static let punchHole = FallocateMode(rawValue: 0x02)
    /// Remove the range and shift the rest down (`FALLOC_FL_COLLAPSE_RANGE`).
    public static let collapseRange = FallocateMode(rawValue: 0x08)
    /// Make the range read as zeros (`FALLOC_FL_ZERO_RANGE`).
    public static let zeroRange = FallocateMode(rawValue: 0x10)
    /// Insert a hole and shift the rest up (`FALLOC_FL_INSERT_RANGE`).
    public static let insertRange = FallocateMode(rawValue: 0x20)

    /// Checks a fallocate call the way Linux does for file systems that support allocate, punch-hole and
    /// zero-range (collapse and insert: `EOPNOTSUPP`), and returns the byte range it covers.
    /// `EINVAL` for a zero length or punch-hole with zero-range, `EOPNOTSUPP` for punch-hole without
    /// keep-size, `EFBIG` past `maximumSize`.
    public func validatedRange(offset: UInt64, length: UInt64, maximumSize: UInt64) throws(Errno) -> Range<UInt64> {
        guard isSubset(of: [.keepSize, .punchHole, .zeroRange]) else { throw .notSupported }
        if contains(.punchHole) {
            guard contains(.keepSize) else { throw .notSupported }
            guard !contains(.zeroRange) else { throw .invalidArgument }
        }
        guard length > 0 else { throw .invalidArgument }
        return try .written(offset: offset, length: length, maximumSize: maximumSize)
    }
}

/// Where `lseek(2)` looks from.
public enum SeekWhence: UInt32, Sendable, Hashable {
    /// From the start (`SEEK_SET`).
    case set = 0
    /// From the current position (`SEEK_CUR`).
    case current = 1
    /// From the end (`SEEK_END`).
    case end = 2
    /// The next offset at or after the given one that holds data (`SEEK_DATA`).
    case data = 3
    /// The next hole at or after the given offset; end of file counts as a hole (`SEEK_HOLE`).
    case hole = 4
}

/// What `access(2)` asks about (`R_OK`, `W_OK`, `X_OK`; empty means `F_OK`, existence).
public struct AccessMask: OptionSet, Sendable, Hashable {
    /// The raw mask bits.
    public var rawValue: UInt32
    /// Wraps raw bits.
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// Execute or search (`X_OK`).
    public static let execute = AccessMask(rawValue: 1)
    /// Write (`W_OK`).
    public static let write = AccessMask(rawValue: 2)
    /// Read (`R_OK`).
    public static let read = AccessMask(rawValue: 4)
}
