import BentoKit

// The checks the kernel makes itself under `default_permissions` (generic_permission, may_create, may_delete,
// setattr_prepare, xattr_permission), made from the attributes lookups returned. Without that option the
// kernel leaves permissions to the file system, and so does the driver: every check here passes.
//
// With POSIX ACLs (the file system keeps them: `Capabilities.posixACLs`) a caller who is neither owner nor root
// is judged by the object's access ACL, read from the file system as the kernel reads it (`get_inode_acl`).
//
// Two xattr rules apply either way, since the VFS makes them before any file system sees the call: `trusted.*`
// is root's alone, and `user.*` lives only on regular files and directories.

/// The kernel's permission checks for one caller, enabled or not.
struct PermissionCheck {
    /// The caller.
    let request: Request
    /// Whether the driver checks (the mount has `default_permissions`).
    let enabled: Bool
    /// The file system to read access ACLs from, when it keeps them.
    let acls: (any FileSystem)?

    /// Throws `EACCES` unless the caller may do `mask` to `object`.
    func require(_ mask: AccessMask, on object: Located) throws(Errno) {
        guard enabled, try !grants(mask, on: object) else { return }
        throw .permissionDenied
    }

    /// Whether the caller may do `mask` to `object` (`generic_permission`): by its mode bits and access ACL.
    /// Root may read and write anything, search any directory, and execute a file with an execute bit.
    func grants(_ mask: AccessMask, on object: Located) throws(Errno) -> Bool {
        try Ownership(object.attributes).grants(mask, to: request) { () throws(Errno) -> [UInt8]? in
            guard let acls else { return nil }
            do throws(Errno) {
                return try acls.getxattr(.root, inode: object.inode, name: .accessACL)
            } catch .noData {
                return nil
            }
        }
    }

    /// Throws `EPERM` unless the caller owns the object or is root (`inode_owner_or_capable`).
    func requireOwnership(of attributes: Attributes) throws(Errno) {
        guard enabled, !request.isRoot, request.uid != attributes.uid else { return }
        throw .notPermitted
    }

    /// Checks that the caller may add a name to `directory` (`may_create`: write and search).
    func requireCreation(in directory: Located) throws(Errno) {
        try require([.write, .execute], on: directory)
    }

    /// Checks that the caller may remove or replace `child` in `directory` (`may_delete`): write and search on
    /// the directory, and in a sticky directory ownership of the child or of the directory (`EPERM`).
    func requireRemoval(of child: Located, from directory: Located) throws(Errno) {
        try require([.write, .execute], on: directory)
        guard enabled, directory.attributes.mode.permissions & FileMode.sticky != 0, !request.isRoot else { return }
        guard request.uid == child.attributes.uid || request.uid == directory.attributes.uid else { throw .notPermitted }
    }

    /// Checks a setattr as `setattr_prepare` does: chmod and explicit times need ownership (`EPERM`), chown
    /// needs root (or the owner giving the file to one of their own groups), setting times to now needs
    /// ownership or write permission, truncating needs write permission (`EACCES`).
    func requireSetattr(_ changes: AttributeChanges, on object: Located) throws(Errno) {
        let attributes = object.attributes
        guard enabled, !request.isRoot else { return }
        if changes.mode != nil { try requireOwnership(of: attributes) }
        if let uid = changes.uid, uid != attributes.uid || request.uid != attributes.uid { throw .notPermitted }
        if let gid = changes.gid {
            try requireOwnership(of: attributes)
            guard gid == attributes.gid || request.isMember(of: gid) else { throw .notPermitted }
        }
        let times = [changes.accessTime, changes.modificationTime].compactMap { $0 }
        if times.contains(where: { $0 != .now }) {
            try requireOwnership(of: attributes)
        } else if !times.isEmpty, request.uid != attributes.uid {
            try require(.write, on: object)
        }
        if changes.size != nil, changes.handle == nil { try require(.write, on: object) }
    }

    /// Checks access to attribute `name` of an object (`xattr_permission`, and `set_posix_acl` for a change of
    /// an ACL): the namespace rules always, the mode bits with `default_permissions`.
    func requireXattr(_ name: XattrName, on object: Located, writing: Bool) throws(Errno) {
        let attributes = object.attributes
        if writing, acls != nil, name.isACL {
            try Ownership(attributes).checkACLChange(name, by: request, checksPermissions: enabled)
            return
        }
        switch name.namespace {
        case "trusted":
            guard request.isRoot else { throw writing ? .notPermitted : .noData }
        case "user":
            guard attributes.mode.isRegular || attributes.mode.isDirectory else {
                throw writing ? .notPermitted : .noData
            }
            try require(writing ? .write : .read, on: object)
        default:
            break
        }
    }
}
