/// The inode flags `chattr` sets and `lsattr` shows (`FS_IOC_GETFLAGS`/`SETFLAGS`, `FS_*_FL` bits), those tmpfs
/// keeps too: immutable, append-only, no-dump, no-atime. A FUSE file system enforces them itself (the kernel
/// marks no FUSE inode `S_IMMUTABLE` or `S_APPEND`); the checks below answer as the kernel's VFS does for ext4.
/// Who may change them the kernel checks on a mount (the owner; `CAP_LINUX_IMMUTABLE` for immutable and
/// append-only); a file system checking permissions itself does so with its owner check and `checkChange`.
public struct InodeFlags: OptionSet, Sendable, Hashable {
    /// The raw `FS_*_FL` bits.
    public var rawValue: UInt32
    /// Wraps raw bits.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Nothing may change the file: its data, attributes, names or extended attributes (`FS_IMMUTABLE_FL`, `i`).
    public static let immutable = InodeFlags(rawValue: 0x10)
    /// Data may only be appended; nothing else may change (`FS_APPEND_FL`, `a`).
    public static let appendOnly = InodeFlags(rawValue: 0x20)
    /// Backup programs skip the file (`FS_NODUMP_FL`, `d`); nothing to enforce.
    public static let noDump = InodeFlags(rawValue: 0x40)
    /// Reads do not update the access time (`FS_NOATIME_FL`, `A`).
    public static let noAccessTime = InodeFlags(rawValue: 0x80)

    /// Every flag a Bento file system keeps; setting any other bit is `EOPNOTSUPP`, as on tmpfs.
    public static let supported: InodeFlags = [.immutable, .appendOnly, .noDump, .noAccessTime]

    /// `flags` if every bit is one a file system keeps, else `EOPNOTSUPP`.
    public static func validated(_ flags: InodeFlags) throws(Errno) -> InodeFlags {
        guard supported.isSuperset(of: flags) else { throw .notSupported }
        return flags
    }

    /// Refuses (`EPERM`) a change from these flags to `flags` that only root may make: setting or clearing
    /// immutable or append-only (`CAP_LINUX_IMMUTABLE`). Whether the caller owns the object is the caller's check.
    public func checkChange(to flags: InodeFlags, by request: Request) throws(Errno) {
        guard request.isRoot || symmetricDifference(flags).isDisjoint(with: [.immutable, .appendOnly]) else {
            throw .notPermitted
        }
    }

    /// Refuses (`EPERM`) an open the flags forbid: writing or truncating an immutable file; writing an
    /// append-only one without `O_APPEND`, or truncating it.
    public func checkOpen(_ flags: OpenFlags) throws(Errno) {
        let writes = flags.isWritable || flags.contains(.truncate)
        if contains(.immutable), writes { throw .notPermitted }
        if contains(.appendOnly), flags.contains(.truncate) || (flags.isWritable && !flags.contains(.append)) {
            throw .notPermitted
        }
    }

    /// Refuses (`EPERM`) a write the flags forbid: any on an immutable file, one without `O_APPEND` in its flags
    /// on an append-only file.
    public func checkWrite(flags: OpenFlags) throws(Errno) {
        if contains(.immutable) || (contains(.appendOnly) && !flags.contains(.append)) { throw .notPermitted }
    }

    /// Refuses (`EPERM`) a change of attributes the flags forbid: any on an immutable file; on an append-only one,
    /// all but setting its times to now.
    public func checkAttributeChange(_ changes: AttributeChanges) throws(Errno) {
        if contains(.immutable) { throw .notPermitted }
        guard contains(.appendOnly) else { return }
        let explicitTime = [changes.accessTime, changes.modificationTime].contains { $0 != nil && $0 != .now }
        if changes.mode != nil || changes.uid != nil || changes.gid != nil || changes.size != nil || explicitTime {
            throw .notPermitted
        }
    }

    /// Refuses (`EPERM`) a fallocate the flags forbid: any on an immutable file; on an append-only one, all but
    /// allocating without changing the size.
    public func checkFallocate(_ mode: FallocateMode) throws(Errno) {
        if contains(.immutable) || (contains(.appendOnly) && mode != .keepSize) { throw .notPermitted }
    }

    /// Refuses (`EPERM`) what an immutable or append-only object forbids beyond its data: removing or renaming
    /// it, linking it, changing its extended attributes, and for a directory removing or renaming a name in it.
    public func checkUnprotected() throws(Errno) {
        if !isDisjoint(with: [.immutable, .appendOnly]) { throw .notPermitted }
    }

    /// Refuses (`EPERM`) adding a name to a directory with these flags (immutable).
    public func checkNameAddition() throws(Errno) {
        if contains(.immutable) { throw .notPermitted }
    }
}
