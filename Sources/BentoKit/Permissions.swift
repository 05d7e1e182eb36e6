// POSIX permission rules as Linux applies them (generic_permission, may_delete, inode_init_owner,
// should_remove_suid), on plain values so every file system shares one implementation.

/// The owner, group and mode of an object: what permission checks look at.
public struct Ownership: Sendable, Hashable {
    /// Type and permission bits.
    public var mode: FileMode
    /// Owner.
    public var uid: UserID
    /// Group.
    public var gid: GroupID

    /// An object's ownership.
    public init(mode: FileMode, uid: UserID, gid: GroupID) {
        self.mode = mode
        self.uid = uid
        self.gid = gid
    }

    /// The ownership of an object with `attributes`.
    public init(_ attributes: Attributes) { self.init(mode: attributes.mode, uid: attributes.uid, gid: attributes.gid) }

    /// Whether `request`'s caller may do `mask` by the mode bits. Root may read and write anything, search any
    /// directory, and execute a file with at least one x bit.
    public func grants(_ mask: AccessMask, to request: Request) -> Bool {
        if request.isRoot {
            return !mask.contains(.execute) || mode.isDirectory || mode.permissions & 0o111 != 0
        }
        let shift: UInt32 = request.uid == uid ? 6 : request.isMember(of: gid) ? 3 : 0
        let granted = (mode.permissions >> shift) & 0o7
        return mask.rawValue & ~granted == 0
    }

    /// True when the caller owns the object or is root (`inode_owner_or_capable`).
    public func isOwned(by request: Request) -> Bool { request.isRoot || request.uid == uid }

    /// Whether `request` may not make an empty setattr (`AttributeChanges.isChownOfNothing`) that would clear a
    /// set-id bit (`modeWithoutSetID` differs). The kernel sends one for `chown(f, -1, -1)`, which Linux refuses
    /// to others than the owner and root (`EPERM`), and one before a write, fallocate or truncate by a caller
    /// without `CAP_FSETID` (`file_remove_privs`, which must clear the bits). The two look the same; only the
    /// second comes from a caller allowed to write the file, so the empty change is refused to a caller who
    /// neither owns the file nor may write it. A group-writable file counts as writable by the caller: the host
    /// does not pass a FUSE caller's supplementary groups, through which the kernel may have let them write.
    public func refusesEmptyChown(by request: Request) -> Bool {
        modeWithoutSetID != mode && !isOwned(by: request) && !grants(.write, to: request)
            && mode.permissions & 0o020 == 0
    }

    /// The mode without set-user-id, and without set-group-id when group execute is set, as Linux clears them
    /// when a regular file's contents or owner change (`should_remove_suid`). Other types keep their mode.
    public var modeWithoutSetID: FileMode {
        guard mode.type == .regular else { return mode }
        var cleared = mode
        var permissions = mode.permissions & ~FileMode.setUserID
        if permissions & 0o010 != 0 { permissions &= ~FileMode.setGroupID }
        cleared.permissions = permissions
        return cleared
    }

    /// In a sticky directory (this one), whether the caller may remove or rename `child`: only the child's owner,
    /// the directory's owner or root may.
    public func allowsRemoval(of child: Ownership, by request: Request) -> Bool {
        mode.permissions & FileMode.sticky == 0 || request.isRoot || request.uid == child.uid || request.uid == uid
    }

    /// The ownership of an object `request` makes with `mode` in this directory (`inode_init_owner`): the
    /// caller's ids, or this directory's group when it is set-group-id, whose subdirectories inherit the bit.
    /// A new file keeps set-group-id only when the caller belongs to its group (`mode_strip_sgid`).
    public func ownershipOfNewObject(mode: FileMode, for request: Request) -> Ownership {
        var mode = mode
        guard self.mode.permissions & FileMode.setGroupID != 0 else {
            return Ownership(mode: mode, uid: request.uid, gid: request.gid)
        }
        if mode.isDirectory {
            mode.permissions |= FileMode.setGroupID
        } else if mode.permissions & (FileMode.setGroupID | 0o010) == FileMode.setGroupID | 0o010,
                  !request.isRoot, !request.isMember(of: gid) {
            mode.permissions &= ~FileMode.setGroupID
        }
        return Ownership(mode: mode, uid: request.uid, gid: gid)
    }
}
