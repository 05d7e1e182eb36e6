import BentoKit

// Calls that name their object by path: making and removing names, rename, links, attributes, statfs, access.
//
// Each looks the last component up first, as the VFS does, so the errors the VFS gives without asking the
// file system come from here: EEXIST for a name taken, EISDIR/ENOTDIR for the wrong kind, EBUSY for renaming
// `.`, `..` or `/`, EINVAL for moving a directory into itself, a no-op for renaming one object onto itself.

extension InProcessFileSystem {
    /// Makes a directory with permissions `mode` minus the umask (or as the directory's default ACL says).
    public func mkdir(_ path: String, mode: UInt32 = 0o777) throws(Errno) {
        try perform { (resolver: inout PathResolver) throws(Errno) in
            let final = try resolver.finish(path, last: .keepName)
            let name = try final.newName(directory: true)
            try resolver.prepareCreation(in: final.parent)
            let (request, mode) = resolver.creation(.directory, permissions: mode, allowed: 0o1777)
            resolver.lookups.add(try resolver.fileSystem.mkdir(request, parent: final.parent.inode, name: name, mode: mode))
        }
    }

    /// Removes an empty directory: `EBUSY` for `/`, `EINVAL` for `.`, `ENOTEMPTY` for `..`, `ENOTDIR` for
    /// anything but a directory.
    public func rmdir(_ path: String) throws(Errno) {
        try perform { (resolver: inout PathResolver) throws(Errno) in
            let final = try resolver.finish(path, last: .keepName)
            let name: FileName
            switch final.last {
            case .root: throw .resourceBusy
            case .dot: throw .invalidArgument
            case .dotDot: throw .directoryNotEmpty
            case .name(let last): name = last
            }
            let object = try final.existing()
            guard object.isDirectory else { throw .notDirectory }
            try resolver.prepareRemoval(of: object, from: final.parent)
            try resolver.fileSystem.rmdir(resolver.request, parent: final.parent.inode, name: name)
        }
    }

    /// Removes a name that is not a directory (`EISDIR` for one; `ENOTDIR` for a file named with a trailing slash).
    public func unlink(_ path: String) throws(Errno) {
        try perform { (resolver: inout PathResolver) throws(Errno) in
            let final = try resolver.finish(path, last: .keepName)
            guard case .name(let name) = final.last else { throw .isDirectory }
            let object = try final.existing()
            guard !object.isDirectory else { throw .isDirectory }
            guard !final.trailingSlash else { throw .notDirectory }
            try resolver.prepareRemoval(of: object, from: final.parent)
            try resolver.fileSystem.unlink(resolver.request, parent: final.parent.inode, name: name)
        }
    }

    /// Renames `source` to `target` as `renameat2(2)` does with `flags`.
    public func rename(from source: String, to target: String, flags: RenameFlags = []) throws(Errno) {
        guard flags.isSubset(of: [.noReplace, .exchange, .whiteout]),
              !flags.contains(.exchange) || flags.isDisjoint(with: [.noReplace, .whiteout]) else { throw .invalidArgument }
        try perform { (resolver: inout PathResolver) throws(Errno) in
            // A whiteout is a device node: the kernel asks for CAP_MKNOD before anything else.
            guard !flags.contains(.whiteout) || resolver.request.isRoot else { throw .notPermitted }
            let from = try resolver.finish(source, last: .keepName)
            let to = try resolver.finish(target, last: .keepName)
            guard case .name(let name) = from.last else { throw .resourceBusy }
            guard case .name(let newName) = to.last else { throw flags.contains(.noReplace) ? .fileExists : .resourceBusy }
            let moving = try from.existing()
            if !moving.isDirectory, from.trailingSlash || to.trailingSlash { throw .notDirectory }
            if flags.contains(.noReplace), to.object != nil { throw .fileExists }
            if flags.contains(.exchange), to.object == nil { throw .noSuchFileOrDirectory }
            try mount.requireWritable()
            try resolver.checkRename(moving, from: from, replacing: to, exchange: flags.contains(.exchange))
            if to.object?.inode == moving.inode { return }
            try resolver.fileSystem.rename(resolver.request, parent: from.parent.inode, name: name,
                                           newParent: to.parent.inode, newName: newName, flags: flags)
        }
    }

    /// Makes `newPath` a hard link to `existing` (a final symlink is linked, not followed; `EPERM` for a directory).
    public func link(_ existing: String, _ newPath: String) throws(Errno) {
        try perform { (resolver: inout PathResolver) throws(Errno) in
            let object = try resolver.resolve(existing, last: .keepName)
            guard !object.isDirectory else { throw .notPermitted }
            let final = try resolver.finish(newPath, last: .keepName)
            let name = try final.newName()
            try resolver.prepareCreation(in: final.parent)
            resolver.lookups.add(try resolver.fileSystem.link(resolver.request, inode: object.inode,
                                                              newParent: final.parent.inode, newName: name))
        }
    }

    /// Names the file open as `descriptor` `newPath` too (`linkat(descriptor, "", AT_FDCWD, newPath,
    /// AT_EMPTY_PATH)`): as `link`; a file with no name only once, and only one opened `O_TMPFILE` without
    /// `O_EXCL` (`ENOENT` otherwise, as the kernel answers).
    public func link(descriptor: Int32, to newPath: String) throws(Errno) {
        try perform { (resolver: inout PathResolver) throws(Errno) in
            let description = try self.description(descriptor)
            guard !description.isDirectory else { throw .notPermitted }
            let links = try resolver.fileSystem.getattr(resolver.request, inode: description.inode, handle: description.handle)
                .attributes.linkCount
            guard links > 0 || mount.descriptors.withLock({ $0.linkable.contains(description.inode) }) else {
                throw .noSuchFileOrDirectory
            }
            let final = try resolver.finish(newPath, last: .keepName)
            let name = try final.newName()
            try resolver.prepareCreation(in: final.parent)
            resolver.lookups.add(try resolver.fileSystem.link(resolver.request, inode: description.inode,
                                                              newParent: final.parent.inode, newName: name))
            mount.descriptors.withLock { $0.setLinkable(description.inode, false) }
        }
    }

    /// Makes `path` a symbolic link to `target` (`ENOENT` for an empty target).
    public func symlink(_ target: String, _ path: String) throws(Errno) {
        let bytes = Array(target.utf8)
        guard !bytes.isEmpty else { throw .noSuchFileOrDirectory }
        guard bytes.count < PathResolver.maximumPathLength else { throw .fileNameTooLong }
        try perform { (resolver: inout PathResolver) throws(Errno) in
            let final = try resolver.finish(path, last: .keepName)
            let name = try final.newName()
            try resolver.prepareCreation(in: final.parent)
            resolver.lookups.add(try resolver.fileSystem.symlink(resolver.request, parent: final.parent.inode,
                                                                 name: name, target: bytes))
        }
    }

    /// The target of the symbolic link `path` (`EINVAL` for anything else), decoded as UTF-8.
    public func readlink(_ path: String) throws(Errno) -> String {
        try perform { (resolver: inout PathResolver) throws(Errno) -> String in
            let object = try resolver.resolve(path, last: .keep)
            guard object.attributes.mode.isSymbolicLink else { throw .invalidArgument }
            return String(decoding: try resolver.fileSystem.readlink(resolver.request, inode: object.inode), as: UTF8.self)
        }
    }

    /// The attributes of the object `path` names, following a final symlink.
    public func stat(_ path: String) throws(Errno) -> Attributes {
        try perform { (resolver: inout PathResolver) throws(Errno) -> Attributes in try resolver.resolve(path).attributes }
    }

    /// The attributes of the object `path` names, a final symlink itself.
    public func lstat(_ path: String) throws(Errno) -> Attributes {
        try perform { (resolver: inout PathResolver) throws(Errno) -> Attributes in
            try resolver.resolve(path, last: .keep).attributes
        }
    }

    /// Changes the permission bits (`07777`).
    public func chmod(_ path: String, mode: UInt32) throws(Errno) {
        try change(path, AttributeChanges(mode: FileMode(rawValue: mode & 0o7777)))
    }

    /// Changes the owner and/or group; nil leaves one as it is. With neither, the file system still gets the
    /// (empty) change, as the kernel sends it: it clears set-id bits (`AttributeChanges.isChownOfNothing`).
    public func chown(_ path: String, uid: UserID?, gid: GroupID?) throws(Errno) {
        try change(path, AttributeChanges(uid: uid, gid: gid), evenIfEmpty: true)
    }

    /// Sets the access and/or modification time (`utimensat`); nil leaves one as it is (`UTIME_OMIT`).
    public func utimens(_ path: String, access: TimeChange?, modification: TimeChange?) throws(Errno) {
        try change(path, AttributeChanges(accessTime: access, modificationTime: modification))
    }

    /// Sets the size of a regular file (`EISDIR` for a directory, `EINVAL` for other types or a negative size).
    public func truncate(_ path: String, size: Int64) throws(Errno) {
        guard let size = UInt64(exactly: size) else { throw .invalidArgument }
        try change(path, AttributeChanges(size: size)) { (attributes) throws(Errno) in
            guard attributes.mode.isRegular else { throw attributes.mode.isDirectory ? .isDirectory : .invalidArgument }
        }
    }

    /// Space and inode usage of the file system holding `path`.
    public func statfs(_ path: String) throws(Errno) -> FileSystemStatistics {
        try perform { (resolver: inout PathResolver) throws(Errno) -> FileSystemStatistics in
            try resolver.fileSystem.statfs(resolver.request, inode: try resolver.resolve(path).inode)
        }
    }

    /// Checks whether the caller may do `mask` to `path` (empty: whether it exists): `EROFS` for writing on a
    /// read-only mount, then the mode bits under `default_permissions`, else the file system's access (whose
    /// `ENOSYS` grants everything).
    public func access(_ path: String, _ mask: AccessMask = []) throws(Errno) {
        try perform { (resolver: inout PathResolver) throws(Errno) in
            let object = try resolver.resolve(path)
            let mode = object.attributes.mode
            if mask.contains(.write), mode.isRegular || mode.isDirectory || mode.isSymbolicLink {
                try mount.requireWritable()
            }
            guard !mount.options.defaultPermissions else {
                guard try resolver.permissions.grants(mask, on: object) else { throw .permissionDenied }
                return
            }
            try ignoringNoFunction { () throws(Errno) in
                try resolver.fileSystem.access(resolver.request, inode: object.inode, mask: mask)
            }
        }
    }

    /// Sends one setattr for the object `path` names, after `check` and the kernel's permission rules;
    /// nothing at all when there is nothing to change, unless `evenIfEmpty` (a chown naming neither owner nor group).
    private func change(_ path: String, _ changes: AttributeChanges, evenIfEmpty: Bool = false,
                        check: (Attributes) throws(Errno) -> Void = { _ in }) throws(Errno) {
        try perform { (resolver: inout PathResolver) throws(Errno) in
            let object = try resolver.resolve(path)
            guard evenIfEmpty || changes != AttributeChanges() else { return }
            try check(object.attributes)
            try mount.requireWritable()
            try resolver.permissions.requireSetattr(changes, on: object)
            var sent = changes
            // A chown naming neither owner nor group still clears set-id bits; to a file system that does not
            // clear them itself, the kernel sends the mode without them (fuse_setattr), and the file system decides.
            if evenIfEmpty, changes.isChownOfNothing, let cleared = resolver.modeClearingSetID(of: object.attributes) {
                sent = AttributeChanges(mode: cleared)
            }
            _ = try resolver.fileSystem.setattr(resolver.request, inode: object.inode, changes: sent)
        }
    }
}

extension PathResolver {
    /// Checks that a name may be added to `directory`: a writable mount, write and search permission.
    func prepareCreation(in directory: Located) throws(Errno) {
        try mount.requireWritable()
        try permissions.requireCreation(in: directory)
    }

    /// Checks that `object` may be removed from `directory`: a writable mount, `may_delete`.
    func prepareRemoval(of object: Located, from directory: Located) throws(Errno) {
        try mount.requireWritable()
        try permissions.requireRemoval(of: object, from: directory)
    }

    /// The VFS's checks before a rename (`vfs_rename`, `lock_rename`): no directory into its own subtree
    /// (`EINVAL`), no replacing an ancestor of the source (`ENOTEMPTY`), matching kinds unless exchanging
    /// (`ENOTDIR`, `EISDIR`), and the permissions to remove, create and re-parent.
    func checkRename(_ moving: Located, from: Final, replacing to: Final, exchange: Bool) throws(Errno) {
        let sourceChain = from.parent.ancestors + [from.parent.inode]
        let targetChain = to.parent.ancestors + [to.parent.inode]
        if targetChain.contains(moving.inode) { throw .invalidArgument }
        if let replaced = to.object {
            guard replaced.inode != moving.inode else { return }
            if sourceChain.contains(replaced.inode) { throw exchange ? .invalidArgument : .directoryNotEmpty }
            if !exchange, moving.isDirectory, !replaced.isDirectory { throw .notDirectory }
            if !exchange, !moving.isDirectory, replaced.isDirectory { throw .isDirectory }
            try permissions.requireRemoval(of: replaced, from: to.parent)
        } else {
            try permissions.requireCreation(in: to.parent)
        }
        try permissions.requireRemoval(of: moving, from: from.parent)
        guard from.parent.inode != to.parent.inode else { return }
        if moving.isDirectory { try permissions.require(.write, on: moving) }
        if exchange, let replaced = to.object, replaced.isDirectory { try permissions.require(.write, on: replaced) }
    }
}
