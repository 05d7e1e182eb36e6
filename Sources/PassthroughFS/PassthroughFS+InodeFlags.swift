import BentoKit
import BentoSystem

// The `chattr` flags: passed to the host object, which keeps and enforces them (ext4, tmpfs, xfs do), as the daemon
// (the kernel has checked that the caller may change them). Only the flags every Bento file system keeps are shown
// or changed (`InodeFlags.supported`); the host's others (ext4's extents flag, say) are kept as they are.

extension PassthroughFS {
    /// The host object's flags Bento speaks for; `ENOTTY` where the host file system keeps none.
    public func inodeFlags(_ request: Request, inode: Inode) throws(Errno) -> InodeFlags {
        InodeFlags(rawValue: try descriptor(for: inode).inodeFlags()).intersection(.supported)
    }

    /// Replaces the host object's Bento-kept flags, leaving its others; `EOPNOTSUPP` for a flag Bento does not keep.
    public func setInodeFlags(_ request: Request, inode: Inode, flags: InodeFlags) throws(Errno) {
        try descriptor(for: inode).setInodeFlags(try InodeFlags.validated(flags).rawValue, within: InodeFlags.supported.rawValue)
    }
}
