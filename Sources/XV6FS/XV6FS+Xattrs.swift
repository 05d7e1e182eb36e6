import BentoKit
import BentoServices

// Extended attributes in one block per inode (the `user.`, `trusted.` and `security.` namespaces, MemFS's
// rules). All of an inode's attributes must fit in its 4 KiB block: a value that does not gets `ENOSPC`, as
// ext4 answers without large-xattr inodes.

extension XV6FS {
    /// The largest value an attribute may hold (`XATTR_SIZE_MAX`).
    public static let maximumXattrSize = 64 * 1024

    /// Sets an attribute (`XATTR_CREATE`: `EEXIST` if present, `XATTR_REPLACE`: `ENODATA` if absent). Sets ctime.
    public func setxattr(_ request: Request, inode: Inode, name: XattrName, value: [UInt8], flags: XattrFlags) throws(Errno) {
        guard value.count <= Self.maximumXattrSize else { throw .argListTooLong }
        guard !flags.contains([.create, .replace]) else { throw .invalidArgument }
        try changeXattrs(request, inode: inode, name: name) { (xattrs: inout XattrBlock) throws(Errno) in
            let existing = xattrs.entries.firstIndex { $0.name == name.bytes }
            if flags.contains(.create), existing != nil { throw .fileExists }
            if flags.contains(.replace), existing == nil { throw .noData }
            if let existing { xattrs.entries[existing].value = value } else { xattrs.entries.append((name.bytes, value)) }
            guard xattrs.encodedSize <= Format.blockSize else { throw .noSpace }
        }
    }

    /// Reads an attribute's value; `ENODATA` when absent.
    public func getxattr(_ request: Request, inode: Inode, name: XattrName) throws(Errno) -> [UInt8] {
        let disk = try object(inode).disk
        try checkXattr(name, on: disk, writing: false, for: request)
        if name == .bentoVersion, let version = options.versionAttribute { return Array(version.utf8) }
        guard let value = try xattrs(of: disk).entries.first(where: { $0.name == name.bytes })?.value else { throw .noData }
        return value
    }

    /// Lists the attribute names the caller may see, in byte order.
    public func listxattr(_ request: Request, inode: Inode) throws(Errno) -> [XattrName] {
        let names = try xattrs(of: try object(inode).disk).entries.compactMap { try? XattrName(validating: $0.name) }
        return names.filter { request.isRoot || !options.checksPermissions || $0.namespace != "trusted" }
            .sorted { $0.bytes.lexicographicallyPrecedes($1.bytes) }
    }

    /// Removes an attribute; `ENODATA` when absent. Sets ctime.
    public func removexattr(_ request: Request, inode: Inode, name: XattrName) throws(Errno) {
        try changeXattrs(request, inode: inode, name: name) { (xattrs: inout XattrBlock) throws(Errno) in
            guard let existing = xattrs.entries.firstIndex(where: { $0.name == name.bytes }) else { throw .noData }
            xattrs.entries.remove(at: existing)
        }
    }

    /// The attributes stored for `disk`; a corrupted block is EIO.
    private func xattrs(of disk: DiskInode) throws(Errno) -> XattrBlock {
        guard disk.xattrBlock != 0 else { return XattrBlock() }
        guard superblock.isDataBlock(disk.xattrBlock) else { throw .ioError }
        do { return try XattrBlock(decoding: try journal.read(BlockNumber(UInt64(disk.xattrBlock)))) } catch { throw .ioError }
    }

    /// Changes `inode`'s attributes with `body` after the permission checks, storing the block (allocating or
    /// freeing it as needed) and setting ctime.
    private func changeXattrs(_ request: Request, inode: Inode, name: XattrName,
                              _ body: (inout XattrBlock) throws(Errno) -> Void) throws(Errno) {
        let object = try object(inode)
        let now = clock.now()
        try changing { (handle: Handle) throws(Errno) in
            try withLocks([object]) { () throws(Errno) in
                try checkXattr(name, on: object.disk, writing: true, for: request)
                var xattrs = try xattrs(of: object.disk)
                try body(&xattrs)
                try table.change(object, handle) { (disk: inout DiskInode) throws(Errno) in
                    if xattrs.entries.isEmpty, disk.xattrBlock != 0 {
                        try allocator.freeBlock(disk.xattrBlock, handle)
                        disk.xattrBlock = 0
                        disk.blocks -= min(disk.blocks, 1)
                    } else if !xattrs.entries.isEmpty {
                        if disk.xattrBlock == 0 {
                            disk.xattrBlock = try allocator.allocateBlock(near: nil, handle)
                            disk.blocks += 1
                        }
                        try journal.initialize(BlockNumber(UInt64(disk.xattrBlock)), handle, to: xattrs.encoded)
                    }
                    disk.changeTime = now
                }
            }
        }
    }

    /// Checks the namespace of `name` and the caller's right to read or change it on `disk` (`xattr_permission`).
    private func checkXattr(_ name: XattrName, on disk: DiskInode, writing: Bool, for request: Request) throws(Errno) {
        if writing { try disk.inodeFlags.checkUnprotected() }
        switch name.namespace {
        case "user":
            guard disk.mode.isRegular || disk.mode.isDirectory else { throw writing ? .notPermitted : .noData }
            try require(writing ? .write : .read, on: disk, for: request)
        case "trusted":
            guard !options.checksPermissions || request.isRoot else { throw writing ? .notPermitted : .noData }
        case "security":
            if writing { try requireOwnership(of: disk, for: request) }
        default:
            throw .notSupported
        }
    }
}
