import BentoKit

// The `chattr` flags (FS_IOC_GETFLAGS / FS_IOC_SETFLAGS), with the checks the kernel makes before a FUSE file
// system hears of them (`vfs_fileattr_set`): only a regular file or a directory (`ENOTTY` otherwise, as FUSE opens
// the file to ask), `EROFS` on a read-only mount, the owner or root (`EPERM`), and root alone for a change of
// immutable or append-only (`CAP_LINUX_IMMUTABLE`).

extension InProcessFileSystem {
    /// `lsattr`'s question: the flags of `path` (a final symlink followed).
    public func inodeFlags(_ path: String) throws(Errno) -> InodeFlags {
        try perform { (resolver: inout PathResolver) throws(Errno) -> InodeFlags in
            let object = try flaggable(path, &resolver)
            return try resolver.fileSystem.inodeFlags(resolver.request, inode: object.inode)
        }
    }

    /// `chattr`: replaces the flags of `path` (a final symlink followed).
    public func setInodeFlags(_ path: String, _ flags: InodeFlags) throws(Errno) {
        try perform { (resolver: inout PathResolver) throws(Errno) in
            let object = try flaggable(path, &resolver)
            try mount.requireWritable()
            let request = resolver.request
            guard request.isRoot || object.attributes.uid == request.uid else { throw .notPermitted }
            try resolver.fileSystem.inodeFlags(request, inode: object.inode).checkChange(to: flags, by: request)
            try resolver.fileSystem.setInodeFlags(request, inode: object.inode, flags: flags)
        }
    }

    /// The object at `path` if it can carry flags: a regular file or a directory, else `ENOTTY`.
    private func flaggable(_ path: String, _ resolver: inout PathResolver) throws(Errno) -> Located {
        let object = try resolver.resolve(path, last: .follow)
        guard object.isDirectory || object.attributes.mode.type == .regular else { throw .inappropriateIOCTLForDevice }
        return object
    }
}
