import BentoKit

// The checks the kernel makes itself under `default_permissions` (generic_permission, may_create, may_delete,
// setattr_prepare, xattr_permission), made from the attributes lookups returned. Without that option the
// kernel leaves permissions to the file system, and so does the driver: every check here passes.
//
// Two xattr rules apply either way, since the VFS makes them before any file system sees the call: `trusted.*`
// is root's alone, and `user.*` lives only on regular files and directories.

/// The kernel's permission checks for one caller, enabled or not.
struct PermissionCheck {
    /// The caller.
    let request: Request
    /// Whether the driver checks (the mount has `default_permissions`).
    let enabled: Bool

    /// Throws `EACCES` unless the caller may do `mask` to the object by its mode bits. Root may read and
    /// write anything, search any directory, and execute a file with at least one execute bit.
    func require(_ mask: AccessMask, on attributes: Attributes) throws(Errno) {
        guard enabled, !Self.grants(mask, on: attributes, to: request) else { return }
        throw .permissionDenied
    }

    /// Whether `request`'s caller may do `mask` to an object with `attributes` (`generic_permission`).
    static func grants(_ mask: AccessMask, on attributes: Attributes, to request: Request) -> Bool {
        if request.isRoot {
            return !mask.contains(.execute) || attributes.mode.isDirectory || attributes.mode.permissions & 0o111 != 0
        }
        let shift: UInt32 = request.uid == attributes.uid ? 6 : request.isMember(of: attributes.gid) ? 3 : 0
        return mask.rawValue & ~((attributes.mode.permissions >> shift) & 0o7) == 0
    }

    /// Throws `EPERM` unless the caller owns the object or is root (`inode_owner_or_capable`).
    func requireOwnership(of attributes: Attributes) throws(Errno) {
        guard enabled, !request.isRoot, request.uid != attributes.uid else { return }
        throw .notPermitted
    }

    /// Checks that the caller may add a name to `directory` (`may_create`: write and search).
    func requireCreation(in directory: Attributes) throws(Errno) {
        try require([.write, .execute], on: directory)
    }

    /// Checks that the caller may remove or replace `child` in `directory` (`may_delete`): write and search on
    /// the directory, and in a sticky directory ownership of the child or of the directory (`EPERM`).
    func requireRemoval(of child: Attributes, from directory: Attributes) throws(Errno) {
        try require([.write, .execute], on: directory)
        guard enabled, directory.mode.permissions & FileMode.sticky != 0, !request.isRoot else { return }
        guard request.uid == child.uid || request.uid == directory.uid else { throw .notPermitted }
    }

    /// Checks a setattr as `setattr_prepare` does: chmod and explicit times need ownership (`EPERM`), chown
    /// needs root (or the owner giving the file to one of their own groups), setting times to now needs
    /// ownership or write permission, truncating needs write permission (`EACCES`).
    func requireSetattr(_ changes: AttributeChanges, on attributes: Attributes) throws(Errno) {
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
            try require(.write, on: attributes)
        }
        if changes.size != nil, changes.handle == nil { try require(.write, on: attributes) }
    }

    /// Checks access to attribute `name` of an object (`xattr_permission`): the namespace rules always,
    /// the mode bits with `default_permissions`.
    func requireXattr(_ name: XattrName, on attributes: Attributes, writing: Bool) throws(Errno) {
        switch name.namespace {
        case "trusted":
            guard request.isRoot else { throw writing ? .notPermitted : .noData }
        case "user":
            guard attributes.mode.isRegular || attributes.mode.isDirectory else {
                throw writing ? .notPermitted : .noData
            }
            try require(writing ? .write : .read, on: attributes)
        default:
            break
        }
    }
}
