import BentoKit

// POSIX permissions as Linux applies them (generic_permission, may_delete, inode_init_owner, setattr_prepare,
// should_remove_suid): who may read, write and search, who owns new objects, and when set-id bits go away.
//
// The checks (`State.require*`) apply only with `Options.checksPermissions`; under the kernel's
// `default_permissions` the kernel has already made them. The rules that change modes (set-id clearing,
// set-group-id inheritance) always apply: they are part of what an operation does, not a check.

extension Node {
    /// The node's owner, group and mode, for the shared permission rules.
    var ownership: Ownership { Ownership(mode: mode, uid: uid, gid: gid) }

    /// Whether `request`'s caller may do `mask` to this node by its mode bits and access ACL.
    func grants(_ mask: AccessMask, to request: Request) -> Bool {
        ownership.grants(mask, to: request) { () -> [UInt8]? in xattrs[.accessACL] }
    }

    /// True when the caller owns the node or is root.
    func isOwned(by request: Request) -> Bool { ownership.isOwned(by: request) }

    /// Clears set-user-id, and set-group-id when group execute is set (`should_remove_suid`).
    func clearSetID() { mode = ownership.modeWithoutSetID }

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
        try directory.flags.checkUnprotected()
        try child.flags.checkUnprotected()
        guard !limits.checksPermissions || directory.ownership.allowsRemoval(of: child.ownership, by: request) else {
            throw .notPermitted
        }
    }

    /// The owner, group, mode and ACLs of an object `request` makes in `parent` (`inode_init_owner`,
    /// `posix_acl_create`): the caller's ids, or the parent's group under a set-group-id parent, whose
    /// subdirectories inherit the bit; the permission bits narrowed by the parent's default ACL or the umask.
    func newObject(in parent: Node, mode: FileMode, for request: Request) -> NewObject {
        parent.ownership.newObject(mode: mode, for: request, defaultACL: parent.xattrs[.defaultACL])
    }

    /// Checks that the caller may add an entry to `directory` (write and search), that the directory still
    /// exists, and that `name` is free (`EEXIST`, reported before a missing write permission, as Linux does).
    func requireNewName(_ name: FileName, in directory: Node, for request: Request) throws(Errno) {
        guard let contents = directory.directory else { throw .notDirectory }
        guard directory.linkCount > 0 else { throw .noSuchFileOrDirectory }
        try require(.execute, on: directory, for: request)
        guard !name.isDotOrDotDot, contents[name] == nil else { throw .fileExists }
        try require(.write, on: directory, for: request)
        try directory.flags.checkNameAddition()
    }
}
