import BentoKit

// POSIX permissions as Linux applies them (generic_permission, may_delete, inode_init_owner, setattr_prepare,
// should_remove_suid): who may read, write and search, who owns new objects, and when set-id bits go away.
//
// The checks (`State.require*`) apply only with `Options.checksPermissions`; under the kernel's
// `default_permissions` the kernel has already made them. The rules that change modes (set-id clearing,
// set-group-id inheritance) always apply: they are part of what an operation does, not a check.

extension Node {
    /// Whether `request`'s caller may do `mask` to this node by its mode bits.
    /// Root may read and write anything, search any directory, and execute a file with at least one x bit.
    func grants(_ mask: AccessMask, to request: Request) -> Bool {
        if request.isRoot {
            return !mask.contains(.execute) || isDirectory || mode.permissions & 0o111 != 0
        }
        let shift: UInt32 = request.uid == uid ? 6 : request.isMember(of: gid) ? 3 : 0
        let granted = (mode.permissions >> shift) & 0o7
        return mask.rawValue & ~granted == 0
    }

    /// True when the caller owns the node or is root (`inode_owner_or_capable`).
    func isOwned(by request: Request) -> Bool { request.isRoot || request.uid == uid }

    /// Clears set-user-id, and set-group-id when group execute is set, as Linux does when a file's contents or
    /// owner change (`should_remove_suid`). A set-group-id bit without group execute marks mandatory locking
    /// and stays.
    func clearSetID() {
        guard type == .regular else { return }
        var permissions = mode.permissions & ~FileMode.setUserID
        if permissions & 0o010 != 0 { permissions &= ~FileMode.setGroupID }
        mode.permissions = permissions
    }

    /// Clears the set-id bits after `request` wrote or truncated the file, unless the caller is root
    /// (who holds `CAP_FSETID`).
    func clearSetIDAfterChange(by request: Request) {
        if !request.isRoot { clearSetID() }
    }
}

extension MemFS.State {
    /// Throws `EACCES` unless the caller may do `mask` to `node`.
    func require(_ mask: AccessMask, on node: Node, for request: Request) throws(Errno) {
        guard !limits.checksPermissions || node.grants(mask, to: request) else { throw .permissionDenied }
    }

    /// Throws `EPERM` unless the caller owns `node` or is root.
    func requireOwnership(of node: Node, for request: Request) throws(Errno) {
        guard !limits.checksPermissions || node.isOwned(by: request) else { throw .notPermitted }
    }

    /// Checks that the caller may remove or replace `child` in `directory`: write and search on the directory
    /// (`EACCES`), and in a sticky directory ownership of the file or the directory (`EPERM`).
    func requireRemoval(of child: Node, from directory: Node, for request: Request) throws(Errno) {
        try require([.write, .execute], on: directory, for: request)
        guard limits.checksPermissions, directory.mode.permissions & FileMode.sticky != 0, !request.isRoot else { return }
        guard request.uid == child.uid || request.uid == directory.uid else { throw .notPermitted }
    }

    /// The owner, group and mode of an object `request` makes in `parent` (`inode_init_owner`): the caller's
    /// ids, or the parent's group under a set-group-id parent, whose subdirectories inherit the bit. A new
    /// file keeps set-group-id only when the caller belongs to its group (`mode_strip_sgid`).
    func ownership(in parent: Node, mode: FileMode, for request: Request) -> (uid: UserID, gid: GroupID, mode: FileMode) {
        var mode = mode
        guard parent.mode.permissions & FileMode.setGroupID != 0 else { return (request.uid, request.gid, mode) }
        if mode.isDirectory {
            mode.permissions |= FileMode.setGroupID
        } else if mode.permissions & (FileMode.setGroupID | 0o010) == FileMode.setGroupID | 0o010,
                  !request.isRoot, !request.isMember(of: parent.gid) {
            mode.permissions &= ~FileMode.setGroupID
        }
        return (request.uid, parent.gid, mode)
    }

    /// Checks that the caller may add an entry to `directory` (write and search), that the directory still
    /// exists, and that `name` is free (`EEXIST`, reported before a missing write permission, as Linux does).
    func requireNewName(_ name: FileName, in directory: Node, for request: Request) throws(Errno) {
        guard let contents = directory.directory else { throw .notDirectory }
        guard directory.linkCount > 0 else { throw .noSuchFileOrDirectory }
        try require(.execute, on: directory, for: request)
        guard !name.isDotOrDotDot, contents[name] == nil else { throw .fileExists }
        try require(.write, on: directory, for: request)
    }
}
