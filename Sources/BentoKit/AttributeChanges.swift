/// A new value for a timestamp in `setattr`: a given time, or the file system's current time (`UTIME_NOW`).
public enum TimeChange: Sendable, Hashable {
    /// Set to exactly this time.
    case time(Timestamp)
    /// Set to the current time.
    case now
}

/// The changes one `setattr` asks for (chmod, chown, truncate, utimensat); nil fields stay as they are.
public struct AttributeChanges: Sendable, Hashable {
    /// New permission bits (the type bits are ignored).
    public var mode: FileMode?
    /// New owner.
    public var uid: UserID?
    /// New group.
    public var gid: GroupID?
    /// New size: truncate or extend with a hole.
    public var size: UInt64?
    /// New access time.
    public var accessTime: TimeChange?
    /// New modification time.
    public var modificationTime: TimeChange?
    /// New change time (only sent by the kernel with writeback caching).
    public var changeTime: TimeChange?
    /// The open file the change came through (ftruncate, fchmod), if any.
    public var handle: FileHandle?
    /// The kernel asks to clear set-user-id and set-group-id (`FATTR_KILL_SUIDGID`).
    public var killSetID: Bool

    /// True for a SETATTR with nothing in it (but ctime, which the kernel adds under the writeback cache). The
    /// kernel sends one for a `chown` that names neither owner nor
    /// group (`chown(f, -1, -1)`) and before a write by a caller without `CAP_FSETID` to a set-id file
    /// (`file_remove_privs`), and leaves the rest to the file system, which must clear set-user-id (and
    /// set-group-id with group execute) on a non-directory, refusing with `EPERM` only where Linux's chown would
    /// (`Ownership.refusesEmptyChown`).
    public var isChownOfNothing: Bool { self == AttributeChanges(changeTime: changeTime, handle: handle) }  // ctime: writeback

    /// No changes.
    public init(mode: FileMode? = nil, uid: UserID? = nil, gid: GroupID? = nil, size: UInt64? = nil,
                accessTime: TimeChange? = nil, modificationTime: TimeChange? = nil, changeTime: TimeChange? = nil,
                handle: FileHandle? = nil, killSetID: Bool = false) {
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.size = size
        self.accessTime = accessTime
        self.modificationTime = modificationTime
        self.changeTime = changeTime
        self.handle = handle
        self.killSetID = killSetID
    }
}
