import BentoKit

// Extended attributes: set, get, list, remove.
//
// The VFS's rules come first, as on a mount: names of 1...255 bytes (`ERANGE`), values up to 64 KiB (`E2BIG`),
// `trusted.*` for root only and `user.*` only on regular files and directories, the mode bits under
// `default_permissions`. A file system without xattr support (`ENOSYS`) answers `EOPNOTSUPP`. For one that keeps
// POSIX ACLs, the ACL attributes follow `set_posix_acl`: a default ACL only on a directory (`EACCES`; removing
// one elsewhere succeeds without asking), only the owner or root may change them (`EPERM`), and a set by a
// caller outside the file's group clears set-group-ID (`XattrFlags.clearSetGroupID`).
// Values come back whole: the façade has no caller buffer to size.

extension InProcessFileSystem {
    /// The largest value Linux accepts (`XATTR_SIZE_MAX`).
    public static let maximumXattrSize = 64 * 1024

    /// Sets attribute `name` of `path` to `value`; `XATTR_CREATE` and `XATTR_REPLACE` as `flags` say.
    public func setxattr(_ path: String, name: String, value: [UInt8], flags: XattrFlags = [],
                         followLast: Bool = true) throws(Errno) {
        let name = try Self.attributeName(name)
        guard value.count <= Self.maximumXattrSize else { throw .argListTooLong }
        try onAttribute(of: path, name: name, writing: true, followLast: followLast) { (resolver, object) throws(Errno) in
            var flags = flags.subtracting(.clearSetGroupID)
            if name.isACL, resolver.permissions.acls != nil, !resolver.request.isRoot,
               !resolver.request.isMember(of: object.attributes.gid) {
                flags.insert(.clearSetGroupID)
            }
            try resolver.fileSystem.setxattr(resolver.request, inode: object.inode, name: name, value: value, flags: flags)
        }
    }

    /// The value of attribute `name` of `path` (`ENODATA` when absent).
    public func getxattr(_ path: String, name: String, followLast: Bool = true) throws(Errno) -> [UInt8] {
        let name = try Self.attributeName(name)
        return try onAttribute(of: path, name: name, writing: false, followLast: followLast) { (resolver, object) throws(Errno) in
            try resolver.fileSystem.getxattr(resolver.request, inode: object.inode, name: name)
        }
    }

    /// The names of the attributes of `path` the caller may see.
    public func listxattr(_ path: String, followLast: Bool = true) throws(Errno) -> [XattrName] {
        try perform { (resolver: inout PathResolver) throws(Errno) -> [XattrName] in
            let object = try resolver.resolve(path, last: followLast ? .follow : .keep)
            return try unsupportedIfNoFunction { () throws(Errno) -> [XattrName] in
                try resolver.fileSystem.listxattr(resolver.request, inode: object.inode)
            }
        }
    }

    /// Removes attribute `name` of `path` (`ENODATA` when absent).
    public func removexattr(_ path: String, name: String, followLast: Bool = true) throws(Errno) {
        let name = try Self.attributeName(name)
        try perform { (resolver: inout PathResolver) throws(Errno) in
            let object = try resolver.attributeObject(path, writing: true, followLast: followLast)
            if name == .defaultACL, resolver.permissions.acls != nil, !object.isDirectory { return }  // set_posix_acl
            try resolver.permissions.requireXattr(name, on: object, writing: true)
            try unsupportedIfNoFunction { () throws(Errno) in
                try resolver.fileSystem.removexattr(resolver.request, inode: object.inode, name: name)
            }
        }
    }

    /// Resolves `path`, applies the VFS's checks for attribute `name` and runs `body` on the object.
    private func onAttribute<Result>(of path: String, name: XattrName, writing: Bool, followLast: Bool,
                                     _ body: (PathResolver, Located) throws(Errno) -> Result) throws(Errno) -> Result {
        try perform { (resolver: inout PathResolver) throws(Errno) -> Result in
            let object = try resolver.attributeObject(path, writing: writing, followLast: followLast)
            try resolver.permissions.requireXattr(name, on: object, writing: writing)
            let current = resolver
            return try unsupportedIfNoFunction { () throws(Errno) -> Result in try body(current, object) }
        }
    }

    /// An attribute name as the kernel accepts it: 1 to 255 bytes, else `ERANGE`.
    private static func attributeName(_ name: String) throws(Errno) -> XattrName {
        do { return try XattrName(name) } catch { throw .outOfRange }
    }
}

extension PathResolver {
    /// The object whose attributes `path` names, on a mount that allows the change when `writing`.
    mutating func attributeObject(_ path: String, writing: Bool, followLast: Bool) throws(Errno) -> Located {
        let object = try resolve(path, last: followLast ? .follow : .keep)
        if writing { try mount.requireWritable() }
        return object
    }
}
