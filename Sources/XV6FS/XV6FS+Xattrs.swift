import BentoKit
import BentoServices

// Extended attributes in one block per inode (the `user.`, `trusted.` and `security.` namespaces and the two
// POSIX ACLs in `system.`, MemFS's rules). All of an inode's attributes must fit in its 4 KiB block: a value that
// does not gets `ENOSPC`, as ext4 answers without large-xattr inodes. An ACL set changes the mode in the same
// transaction; a new object's inherited ACLs are stored in the transaction that makes it (`storeXattrs`).

extension XV6FS {
    /// The largest value an attribute may hold (`XATTR_SIZE_MAX`).
    public static let maximumXattrSize = 64 * 1024

    /// Sets an attribute (`XATTR_CREATE`: `EEXIST` if present, `XATTR_REPLACE`: `ENODATA` if absent). Sets ctime.
    public func setxattr(_ request: Request, inode: Inode, name: XattrName, value: [UInt8], flags: XattrFlags) throws(Errno) {
        guard value.count <= Self.maximumXattrSize else { throw .argListTooLong }
        guard !flags.contains([.create, .replace]) else { throw .invalidArgument }
        try changeXattrs(request, inode: inode, name: name, removing: false) { (xattrs: inout XattrBlock, mode: inout FileMode) throws(Errno) in
            (mode, xattrs[name]) = try mode.settingAttribute(name, to: value, flags: flags, existing: xattrs[name])
            guard xattrs.encodedSize <= Format.blockSize else { throw .noSpace }
        }
    }

    /// Reads an attribute's value; `ENODATA` when absent.
    public func getxattr(_ request: Request, inode: Inode, name: XattrName) throws(Errno) -> [UInt8] {
        let disk = try object(inode).disk
        try checkXattr(name, on: disk, writing: false, for: request)
        if name == .bentoVersion, let version = options.versionAttribute { return Array(version.utf8) }
        guard let value = try xattrs(of: disk)[name] else { throw .noData }
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
        try changeXattrs(request, inode: inode, name: name, removing: true) { (xattrs: inout XattrBlock, _: inout FileMode) throws(Errno) in
            guard xattrs[name] != nil else { throw .noData }
            xattrs[name] = nil
        }
    }

    /// The attributes stored for `disk`; a corrupted block is EIO.
    func xattrs(of disk: DiskInode) throws(Errno) -> XattrBlock {
        guard disk.xattrBlock != 0 else { return XattrBlock() }
        guard superblock.isDataBlock(disk.xattrBlock) else { throw .ioError }
        do { return try XattrBlock(decoding: try journal.read(BlockNumber(UInt64(disk.xattrBlock)))) } catch { throw .ioError }
    }

    /// Changes `inode`'s attributes (and mode) with `body` after the permission checks, storing the block and
    /// the mode and setting ctime, and logs the change; nothing changes when `body` throws.
    private func changeXattrs(_ request: Request, inode: Inode, name: XattrName, removing: Bool,
                              _ body: (inout XattrBlock, inout FileMode) throws(Errno) -> Void) throws(Errno) {
        let object = try object(inode)
        let now = clock.now()
        prepareLog(for: request)
        try changing { (handle: Handle) throws(Errno) in
            try withLocks([object]) { () throws(Errno) in
                try checkXattr(name, on: object.disk, writing: true, for: request)
                var xattrs = try xattrs(of: object.disk)
                var mode = object.disk.mode
                try body(&xattrs, &mode)
                try table.change(object, handle) { (disk: inout DiskInode) throws(Errno) in
                    try storeXattrs(xattrs, in: &disk, handle)
                    disk.mode = mode
                    disk.changeTime = now
                }
                logChange(.xattrChanged(inode: inode, name: name, removed: removing), by: request, handle)
            }
        }
    }

    /// Stores `xattrs` as `disk`'s attribute block in `handle`'s transaction: a block allocated for the first
    /// attribute, freed with the last.
    func storeXattrs(_ xattrs: XattrBlock, in disk: inout DiskInode, _ handle: Handle) throws(Errno) {
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
        case "system" where name.isACL:
            if writing { try disk.ownership.checkACLChange(name, by: request, checksPermissions: options.checksPermissions) }
        default:
            throw .notSupported
        }
    }
}

extension XattrBlock {
    /// The value of attribute `name`; setting nil removes it, a new one goes last.
    subscript(name: XattrName) -> [UInt8]? {
        get { entries.first { $0.name == name.bytes }?.value }
        set {
            let existing = entries.firstIndex { $0.name == name.bytes }
            switch (existing, newValue) {
            case (let index?, let value?): entries[index].value = value
            case (let index?, nil): entries.remove(at: index)
            case (nil, let value?): entries.append((name.bytes, value))
            case (nil, nil): break
            }
        }
    }
}
