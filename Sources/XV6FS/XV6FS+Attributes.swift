import BentoKit
import BentoServices

// setattr: chmod, chown, truncate and utimensat, with MemFS's (Linux's) rules; every check happens before
// any change, so a refused call changes nothing. A successful call sets ctime. A chmod carries into the access
// ACL, in the same transaction (`posix_acl_chmod`).

extension XV6FS {
    /// Changes attributes and reports the result.
    public func setattr(_ request: Request, inode: Inode, changes: AttributeChanges) throws(Errno) -> AttributesReply {
        let object = try object(inode)
        let now = clock.now()
        prepareLog(for: request)
        try changing { (handle: Handle) throws(Errno) in
            try withLocks([object]) { () throws(Errno) in
                try checkSetattr(changes, on: object.disk, inode: inode, for: request)
                let stored = changes.mode == nil ? nil : try xattrs(of: object.disk)  // before anything changes
                if let size = changes.size, size != object.disk.size {
                    try truncateLocked(object, to: size, for: request, handle)
                }
                try table.change(object, handle) { (disk: inout DiskInode) throws(Errno) in
                    apply(changes, to: &disk, for: request, now: now)
                    if var xattrs = stored, let acl = xattrs[.accessACL] {
                        xattrs[.accessACL] = Ownership.accessACL(acl, afterChangingModeTo: disk.mode.permissions)
                        try storeXattrs(xattrs, in: &disk, handle)
                    }
                }
                logChange(.attributesChanged(inode: inode, changes: changes), by: request, handle)
            }
        }
        return reply(for: object)
    }

    /// Refuses `changes` the caller may not make; changes nothing.
    private func checkSetattr(_ changes: AttributeChanges, on disk: DiskInode, inode: Inode, for request: Request) throws(Errno) {
        // The kernel checks nothing for this one, even with default_permissions (see `isChownOfNothing`).
        if changes.isChownOfNothing, disk.ownership.refusesEmptyChown(by: request) { throw .notPermitted }
        try disk.inodeFlags.checkAttributeChange(changes)
        if changes.mode != nil { try requireOwnership(of: disk, for: request) }
        if let uid = changes.uid, uid != disk.uid || !disk.ownership.isOwned(by: request) {
            guard !options.checksPermissions || request.isRoot else { throw .notPermitted }
        }
        if let gid = changes.gid {
            try requireOwnership(of: disk, for: request)
            guard !options.checksPermissions || request.isRoot || gid == disk.gid || request.isMember(of: gid) else {
                throw .notPermitted
            }
        }
        if let size = changes.size {
            guard disk.mode.isRegular else { throw disk.mode.isDirectory ? .isDirectory : .invalidArgument }
            guard size <= Format.maximumFileSize else { throw .fileTooLarge }
            if let handle = changes.handle {
                let file = try? handles.withLock { (table: inout HandleTable) throws(Errno) -> OpenFile in
                    try table.file(handle, on: inode)
                }
                guard let file, file.flags.isWritable else { throw .invalidArgument }
            } else {
                try require(.write, on: disk, for: request)
            }
        }
        let times = [changes.accessTime, changes.modificationTime].compactMap { $0 }
        if times.contains(where: { $0 != .now }) {
            try requireOwnership(of: disk, for: request)
        } else if !times.isEmpty, options.checksPermissions, !disk.ownership.isOwned(by: request) {
            try require(.write, on: disk, for: request)
        }
    }

    /// Applies checked `changes` (the size already done) and sets ctime.
    private func apply(_ changes: AttributeChanges, to disk: inout DiskInode, for request: Request, now: Timestamp) {
        if changes.uid != nil || changes.gid != nil {
            disk.uid = changes.uid ?? disk.uid
            disk.gid = changes.gid ?? disk.gid
            disk.mode = disk.ownership.modeWithoutSetID
        }
        if let mode = changes.mode {
            var permissions = mode.permissions
            if options.checksPermissions, !request.isRoot, !request.isMember(of: disk.gid) {
                permissions &= ~FileMode.setGroupID
            }
            disk.mode.permissions = permissions
        }
        if changes.killSetID || changes.isChownOfNothing { disk.mode = disk.ownership.modeWithoutSetID }
        if let time = changes.accessTime { disk.accessTime = resolve(time, now: now) }
        if let time = changes.modificationTime { disk.modificationTime = resolve(time, now: now) }
        disk.changeTime = changes.changeTime.map { resolve($0, now: now) } ?? now
    }

    private func resolve(_ change: TimeChange, now: Timestamp) -> Timestamp {
        switch change {
        case .now: now
        case .time(let time): time
        }
    }
}
