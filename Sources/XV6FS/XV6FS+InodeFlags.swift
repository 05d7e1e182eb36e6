import BentoKit
import BentoServices

// The `chattr` flags (`InodeFlags`), kept in the inode's flags word (byte 144, docs/XV6FS-FORMAT.md) and enforced
// by the handlers (open, write, setattr, fallocate, names, extended attributes, access times) through
// `InodeFlags`' checks. Changing them is the owner's (immutable and append-only root's only): the kernel checks
// that on a mount; xv6fs checks it too when it checks permissions itself.

extension DiskInode {
    /// The inode's `chattr` flags.
    var inodeFlags: InodeFlags { InodeFlags(rawValue: flags) }
}

extension XV6FS {
    /// The inode's flags.
    public func inodeFlags(_ request: Request, inode: Inode) throws(Errno) -> InodeFlags {
        try object(inode).disk.inodeFlags
    }

    /// Replaces the inode's flags and sets its ctime, in a transaction; `EOPNOTSUPP` for a flag xv6fs does not keep.
    public func setInodeFlags(_ request: Request, inode: Inode, flags: InodeFlags) throws(Errno) {
        let flags = try InodeFlags.validated(flags)
        let object = try object(inode)
        let now = clock.now()
        prepareLog(for: request)
        try changing { (handle: Handle) throws(Errno) in
            try withLocks([object]) { () throws(Errno) in
                try table.change(object, handle) { (disk: inout DiskInode) throws(Errno) in
                    try requireOwnership(of: disk, for: request)
                    if options.checksPermissions { try disk.inodeFlags.checkChange(to: flags, by: request) }
                    disk.flags = flags.rawValue
                    disk.changeTime = now
                }
                logChange(.flagsChanged(inode: inode, flags: flags), by: request, handle)
            }
        }
    }
}
