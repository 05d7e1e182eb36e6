import BentoKit

// setattr: chmod, chown, truncate and utimensat, with Linux's rules (setattr_prepare, chown_ok, utimes):
// - chmod: owner or root (`EPERM`); set-group-id is dropped when a non-root caller is not in the file's group.
// - chown: only root changes the owner; the owner may change the group to one they belong to (`EPERM`).
//   Every chown, even one naming neither (`chown(f, -1, -1)`), clears set-user-id and set-group-id (with group
//   execute) on non-directories; one naming neither is refused to others than owner and root when it would.
// - size: write permission unless it comes through an open file; clears set-id bits for non-root callers;
//   sets mtime and ctime when the size changes.
// - times: explicit times need ownership (`EPERM`); "now" needs ownership or write permission (`EACCES`).
// Every check happens before any change, so a refused call changes nothing. A successful call sets ctime.

extension MemFS {
    /// Changes attributes and reports the result.
    public func setattr(_ request: Request, inode: Inode, changes: AttributeChanges) throws(Errno) -> AttributesReply {
        let now = clock.now()
        return try modifying { (state: inout State) throws(Errno) -> AttributesReply in
            let node = try state.node(inode)
            try state.checkSetattr(changes, on: node, for: request)
            if let size = changes.size, size != node.contents.size {
                try state.changeContents(of: node) { $0.truncate(to: size) }
                node.modificationTime = now
            }
            state.apply(changes, to: node, for: request, now: now)
            return state.reply(for: node)
        }
    }
}

extension MemFS.State {
    /// Refuses `changes` the caller may not make; changes nothing.
    func checkSetattr(_ changes: AttributeChanges, on node: Node, for request: Request) throws(Errno) {
        // The kernel checks nothing for this one, even with default_permissions (see `isChownOfNothing`).
        if changes.isChownOfNothing, node.ownership.refusesEmptyChown(by: request) { throw .notPermitted }
        try node.flags.checkAttributeChange(changes)
        if changes.mode != nil { try requireOwnership(of: node, for: request) }
        if let uid = changes.uid, uid != node.uid || !node.isOwned(by: request) {
            guard !limits.checksPermissions || request.isRoot else { throw .notPermitted }
        }
        if let gid = changes.gid {
            try requireOwnership(of: node, for: request)
            guard !limits.checksPermissions || request.isRoot || gid == node.gid || request.isMember(of: gid) else {
                throw .notPermitted
            }
        }
        if let size = changes.size {
            guard node.type == .regular else { throw node.isDirectory ? .isDirectory : .invalidArgument }
            guard size <= FileContents.maximumSize else { throw .fileTooLarge }
            if let handle = changes.handle {
                guard let file = handles[handle], file.inode == node.inode, file.flags.isWritable else { throw .invalidArgument }
            } else {
                try require(.write, on: node, for: request)
            }
        }
        let times = [changes.accessTime, changes.modificationTime].compactMap { $0 }
        if times.contains(where: { $0 != .now }) {
            try requireOwnership(of: node, for: request)
        } else if !times.isEmpty, limits.checksPermissions, !node.isOwned(by: request) {
            try require(.write, on: node, for: request)
        }
    }

    /// Applies checked `changes` (the size already done) and sets ctime.
    func apply(_ changes: AttributeChanges, to node: Node, for request: Request, now: Timestamp) {
        if changes.uid != nil || changes.gid != nil {
            node.uid = changes.uid ?? node.uid
            node.gid = changes.gid ?? node.gid
            node.clearSetID()
        }
        if let mode = changes.mode {
            var permissions = mode.permissions
            if limits.checksPermissions, !request.isRoot, !request.isMember(of: node.gid) {
                permissions &= ~FileMode.setGroupID
            }
            node.mode.permissions = permissions
            node.xattrs[.accessACL] = Ownership.accessACL(node.xattrs[.accessACL], afterChangingModeTo: permissions)
        }
        if changes.size != nil { node.clearSetIDAfterChange(by: request) }
        if changes.killSetID || changes.isChownOfNothing { node.clearSetID() }
        if let time = changes.accessTime { node.accessTime = Self.resolve(time, now: now) }
        if let time = changes.modificationTime { node.modificationTime = Self.resolve(time, now: now) }
        node.changeTime = changes.changeTime.map { Self.resolve($0, now: now) } ?? now
    }

    private static func resolve(_ change: TimeChange, now: Timestamp) -> Timestamp {
        switch change {
        case .now: now
        case .time(let time): time
        }
    }
}
