import BentoKit
import BentoSystem

/// Extended attributes, on the host object itself (files, directories and symlinks alike).
extension PassthroughFS {
    public func setxattr(_ request: Request, inode: Inode, name: XattrName, value: [UInt8], flags: XattrFlags) throws(Errno) {
        try descriptor(for: inode).setExtendedAttribute(name.bytes, value: value, flags: flags.rawValue)
    }

    public func getxattr(_ request: Request, inode: Inode, name: XattrName) throws(Errno) -> [UInt8] {
        try descriptor(for: inode).extendedAttribute(name.bytes)
    }

    public func listxattr(_ request: Request, inode: Inode) throws(Errno) -> [XattrName] {
        try descriptor(for: inode).extendedAttributeNames().compactMap { try? XattrName(validating: $0) }
    }

    public func removexattr(_ request: Request, inode: Inode, name: XattrName) throws(Errno) {
        try descriptor(for: inode).removeExtendedAttribute(name.bytes)
    }
}
