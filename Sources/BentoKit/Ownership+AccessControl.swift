// What a file system that keeps POSIX ACLs (`Capabilities.posixACLs`) does with them, as ext4 and tmpfs do:
// - the lists are two attributes, `system.posix_acl_access` and `system.posix_acl_default` (directories only),
//   readable by anyone; only the owner or root may set or remove them (`set_posix_acl`);
// - setting an access list sets the mode's permission bits from it and keeps the list only when the mode cannot
//   say it all (`posix_acl_update_mode`); the kernel asks for set-group-ID to go when the caller is neither in
//   the file's group nor privileged (`XattrFlags.clearSetGroupID`);
// - a chmod changes the owner, mask (or owning group) and other entries of the access list (`posix_acl_chmod`);
// - a new object in a directory with a default list takes it as its access list, narrowed by the mode it was
//   made with, and a new directory takes it as its default list too; without one, the caller's umask applies
//   (`posix_acl_create`; the kernel leaves the umask to such a file system: `Request.umask`);
// - a caller who is neither owner nor root is judged by the access list when there is one and the mode has
//   group bits (`acl_permission_check`).
// A stored value that does not decode counts as no list (an image damaged there keeps its mode bits' meaning).

extension XattrName {
    /// `system.posix_acl_access`: an object's access ACL.
    public static let accessACL = try! XattrName("system.posix_acl_access")
    /// `system.posix_acl_default`: the ACL new objects in a directory start from.
    public static let defaultACL = try! XattrName("system.posix_acl_default")

    /// True for the two ACL attributes.
    public var isACL: Bool { self == .accessACL || self == .defaultACL }
}

/// What a new object gets: its owner, group and mode, and the ACL attribute values to store with it.
public struct NewObject: Sendable, Hashable {
    /// Owner, group and mode (the permission bits narrowed by the umask or the directory's default ACL).
    public var ownership: Ownership
    /// The access ACL to store (`system.posix_acl_access`), when the mode cannot say it all.
    public var accessACL: [UInt8]?
    /// The default ACL to store (`system.posix_acl_default`): a new directory inherits its parent's.
    public var defaultACL: [UInt8]?
}

extension Ownership {
    /// The ownership and ACLs of an object `request` makes with `mode` in this directory, whose default ACL
    /// attribute is `defaultACL`: as `ownershipOfNewObject`, then, except for a symbolic link, the permission
    /// bits narrowed by the default list (which a directory also inherits) or, without one, by `request.umask`.
    public func newObject(mode: FileMode, for request: Request, defaultACL: [UInt8]?) -> NewObject {
        var ownership = ownershipOfNewObject(mode: mode, for: request)
        guard ownership.mode.type != .symbolicLink else { return NewObject(ownership: ownership) }
        guard let value = defaultACL, let inherited = try? AccessControlList(attributeValue: value) else {
            ownership.mode.permissions &= ~(request.umask & 0o777)
            return NewObject(ownership: ownership)
        }
        let (list, permissions) = inherited.seeding(permissions: ownership.mode.permissions)
        ownership.mode.permissions = permissions
        return NewObject(ownership: ownership, accessACL: list.isMinimal ? nil : list.attributeValue,
                         defaultACL: mode.isDirectory ? value : nil)
    }

    /// Refuses a change (set or removal) of ACL attribute `name` as the kernel does: a default list on
    /// anything but a directory is `EACCES`; anyone but the owner and root `EPERM` (when `checksPermissions`).
    public func checkACLChange(_ name: XattrName, by request: Request, checksPermissions: Bool) throws(Errno) {
        if name == .defaultACL, !mode.isDirectory { throw .permissionDenied }
        if checksPermissions, !isOwned(by: request) { throw .notPermitted }
    }

    /// The access ACL attribute `value` after a chmod to `permissions` (nil stays nil; a damaged one stays).
    public static func accessACL(_ value: [UInt8]?, afterChangingModeTo permissions: UInt32) -> [UInt8]? {
        guard let value, let list = try? AccessControlList(attributeValue: value) else { return value }
        return list.changingMode(to: permissions).attributeValue
    }

    /// Whether `request`'s caller may do `mask` (`generic_permission` with ACLs): as `grants(_:to:)`, except that
    /// a caller who is neither owner nor root, on an object whose mode has group bits, is judged by the access
    /// ACL `accessACL` returns (read only then; nil when there is none).
    public func grants<Failure: Error>(_ mask: AccessMask, to request: Request,
                                       accessACL: () throws(Failure) -> [UInt8]?) throws(Failure) -> Bool {
        guard !request.isRoot, request.uid != uid, mode.permissions & 0o070 != 0,
              let value = try accessACL(), let list = try? AccessControlList(attributeValue: value) else {
            return grants(mask, to: request)
        }
        return list.grants(mask, to: request, objectGroup: gid)
    }
}

extension FileMode {
    /// What setting attribute `name` to `value` does to an object with this mode whose current value of it is
    /// `existing`: an ACL as `settingACL` says (`XATTR_CREATE` and `XATTR_REPLACE` do not apply: the kernel sets
    /// ACLs without them); any other attribute is stored as given, `EEXIST` under `.create` when it exists and
    /// `ENODATA` under `.replace` when it does not. Returns the mode after it and the value to store (nil: none).
    public func settingAttribute(_ name: XattrName, to value: [UInt8], flags: XattrFlags,
                                 existing: [UInt8]?) throws(Errno) -> (mode: FileMode, value: [UInt8]?) {
        if name.isACL { return try settingACL(name, to: value, flags: flags) }
        if flags.contains(.create), existing != nil { throw .fileExists }
        if flags.contains(.replace), existing == nil { throw .noData }
        return (self, value)
    }

    /// Interprets setting ACL attribute `name` to `value` on an object with this mode (a change already allowed
    /// by `Ownership.checkACLChange`): `EINVAL` for a list Linux would not accept. Returns the mode after it and
    /// the value to store, nil when the attribute is to go (an access list the mode says all of). `flags` may ask
    /// for set-group-ID to go (`XattrFlags.clearSetGroupID`).
    public func settingACL(_ name: XattrName, to value: [UInt8], flags: XattrFlags) throws(Errno)
        -> (mode: FileMode, value: [UInt8]?) {
        let list = try AccessControlList(attributeValue: value)
        guard name == .accessACL else { return (self, list.attributeValue) }
        var mode = self
        mode.permissions = permissions & ~0o777 | list.permissionBits
        if flags.contains(.clearSetGroupID) { mode.permissions &= ~FileMode.setGroupID }
        return (mode, list.isMinimal ? nil : list.attributeValue)
    }
}
