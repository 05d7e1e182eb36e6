import BentoKit
import BentoSystem

/// Extended attributes, on the host object itself (files, directories and symlinks alike). POSIX ACLs are the
/// host's too: its file system keeps the mode in step and applies default ACLs to new objects (see
/// `hostCreationMode`). Two things the daemon does for the kernel: setting an ACL with its own privilege would
/// keep set-group-ID, so it drops the bit when the kernel asks; and a host without ACLs answers reads of one
/// `ENODATA` (no ACL), not `EOPNOTSUPP`, which the kernel would return from every permission check.
extension PassthroughFS {
    public func setxattr(_ request: Request, inode: Inode, name: XattrName, value: [UInt8], flags: XattrFlags) throws(Errno) {
        let object = try descriptor(for: inode)
        try object.setExtendedAttribute(name.bytes, value: value, flags: flags.subtracting(.clearSetGroupID).rawValue)
        guard flags.contains(.clearSetGroupID), name == .accessACL else { return }
        try clearModeBits(BentoKit.FileMode.setGroupID, of: object, isOpenFile: false)
    }

    public func getxattr(_ request: Request, inode: Inode, name: XattrName) throws(Errno) -> [UInt8] {
        do {
            return try descriptor(for: inode).extendedAttribute(name.bytes)
        } catch .notSupported where name.isACL {
            throw .noData
        }
    }

    public func listxattr(_ request: Request, inode: Inode) throws(Errno) -> [XattrName] {
        try descriptor(for: inode).extendedAttributeNames().compactMap { try? XattrName(validating: $0) }
    }

    public func removexattr(_ request: Request, inode: Inode, name: XattrName) throws(Errno) {
        try descriptor(for: inode).removeExtendedAttribute(name.bytes)
    }
}

extension PassthroughFS {
    /// The mode to make a new object with in host directory `directory`, and the mode to restore on it after
    /// (nil: leave what the host made). A mode arriving with the caller's umask (the kernel leaves it to a file
    /// system with ACLs) is masked here unless the host directory has a default ACL, which the host then
    /// applies in the umask's stead, deciding the mode itself.
    func hostCreationMode(_ mode: BentoKit.FileMode, in directory: HostDescriptor,
                          for request: Request) -> (make: BentoKit.FileMode, restore: BentoKit.FileMode?) {
        guard request.umask != 0 else { return (mode, mode) }
        if (try? directory.extendedAttribute(XattrName.defaultACL.bytes)) != nil { return (mode, nil) }
        var masked = mode
        masked.permissions &= ~(request.umask & 0o777)
        return (masked, masked)
    }
}
