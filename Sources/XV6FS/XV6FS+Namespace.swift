import BentoKit
import BentoServices

// Making and removing names: mknod, mkdir, symlink, link, create, unlink, rmdir (MemFS's semantics).
// Every change to a directory's entries sets its mtime and ctime; a link-count change sets the object's ctime.
// Locks: the parent directory, then the object (a new object is reachable by nobody until it is linked in).

extension XV6FS {
    /// The longest symbolic-link target Linux accepts (`PATH_MAX` - 1).
    static let maximumTargetLength = 4095

    /// Makes a regular file, FIFO, socket or (for root) device node.
    public func mknod(_ request: Request, parent: Inode, name: FileName, mode: FileMode, device: UInt32) throws(Errno) -> Entry {
        var mode = mode
        switch mode.type {
        case nil: mode = FileMode(type: .regular, permissions: mode.permissions)
        case .regular?, .fifo?, .socket?: break
        case .characterDevice?, .blockDevice?:
            guard !options.checksPermissions || request.isRoot else { throw .notPermitted }
        case .directory?, .symbolicLink?: throw .invalidArgument
        }
        let isDevice = mode.type == .characterDevice || mode.type == .blockDevice
        return entry(for: try makeChild(request, parent: parent, name: name, mode: mode, device: isDevice ? device : 0))
    }

    /// Makes a directory; it inherits set-group-id (and its parent's group) from a set-group-id parent.
    public func mkdir(_ request: Request, parent: Inode, name: FileName, mode: FileMode) throws(Errno) -> Entry {
        entry(for: try makeChild(request, parent: parent, name: name, mode: FileMode(type: .directory, permissions: mode.permissions)))
    }

    /// Makes a symbolic link; `ENOENT` for an empty target, `ENAMETOOLONG` past 4095 bytes.
    public func symlink(_ request: Request, parent: Inode, name: FileName, target: [UInt8]) throws(Errno) -> Entry {
        guard !target.isEmpty else { throw .noSuchFileOrDirectory }
        guard target.count <= Self.maximumTargetLength, !target.contains(0) else { throw .fileNameTooLong }
        return entry(for: try makeChild(request, parent: parent, name: name,
                                        mode: FileMode(type: .symbolicLink, permissions: 0o777), target: target))
    }

    /// Adds a hard link; `EPERM` for directories, `ENOENT` for an object already unlinked everywhere.
    public func link(_ request: Request, inode: Inode, newParent: Inode, newName: FileName) throws(Errno) -> Entry {
        let object = try object(inode), directory = try directory(newParent)
        guard !object.disk.mode.isDirectory else { throw .notPermitted }
        let now = clock.now()
        prepareLog(for: request)
        try changing { (handle: Handle) throws(Errno) in
            try withLocks([directory, object]) { () throws(Errno) in
                try requireNewName(newName, in: directory, for: request)
                var disk = object.disk
                // A file with no name may get one while it is open (an O_TMPFILE file: the kernel decides whether).
                guard disk.linkCount > 0 || object.state.withLock({ $0.opens > 0 }) else { throw .noSuchFileOrDirectory }
                try disk.inodeFlags.checkUnprotected()
                guard disk.linkCount < UInt32.max else { throw .tooManyLinks }
                try addName(newName, for: object.number, type: disk.type, in: directory, now: now, handle)
                disk.linkCount += 1
                disk.changeTime = now
                try table.store(object, disk, handle)
                logChange(.linked(inode: inode, parent: newParent, name: newName), by: request, handle)
            }
        }
        return entry(for: object)
    }

    /// Makes and opens a regular file; without `O_EXCL` an existing file is opened instead, as `open(2)` does.
    public func create(_ request: Request, parent: Inode, name: FileName, mode: FileMode, flags: OpenFlags) throws(Errno) -> CreateReply {
        let directory = try directory(parent)
        try require(.execute, on: directory.disk, for: request)
        if let slot = try directories.lookup(name, in: directory) {
            guard !flags.contains(.exclusive) else { throw .fileExists }
            let object = try table.get(UInt64(slot.inode))
            let open = try open(object, flags: flags, for: request)
            return CreateReply(entry: entry(for: object), open: open)
        }
        let object = try makeChild(request, parent: parent, name: name, mode: FileMode(type: .regular, permissions: mode.permissions))
        return CreateReply(entry: entry(for: object), open: OpenReply(handle: opened(object, flags: flags, for: request)))
    }

    /// Makes and opens a regular file with no name in `parent` (`O_TMPFILE`): an inode with no link, freed at its
    /// last release unless `link` names it first, and by the orphan sweep of the next mount after a crash.
    public func tmpfile(_ request: Request, parent: Inode, mode: FileMode, flags: OpenFlags) throws(Errno) -> CreateReply {
        let object = try makeChild(request, parent: parent, name: nil, mode: FileMode(type: .regular, permissions: mode.permissions))
        return CreateReply(entry: entry(for: object), open: OpenReply(handle: opened(object, flags: flags, for: request)))
    }

    /// Removes a name that is not a directory (`EISDIR` for one).
    public func unlink(_ request: Request, parent: Inode, name: FileName) throws(Errno) {
        try removeName(request, parent: parent, name: name, directory: false)
    }

    /// Removes an empty directory: `ENOTDIR` for other types, `ENOTEMPTY` when it holds names, `EINVAL` for `.`.
    public func rmdir(_ request: Request, parent: Inode, name: FileName) throws(Errno) {
        guard name != .dot else { throw .invalidArgument }
        guard name != .dotDot else { throw .directoryNotEmpty }
        try removeName(request, parent: parent, name: name, directory: true)
    }

    /// The work of unlink and rmdir.
    private func removeName(_ request: Request, parent: Inode, name: FileName, directory removingDirectory: Bool) throws(Errno) {
        let directory = try directory(parent)
        try require(.execute, on: directory.disk, for: request)
        let object = try child(name, of: directory)
        let now = clock.now()
        prepareLog(for: request)
        try changing { (handle: Handle) throws(Errno) in
            try withLocks([directory, object]) { () throws(Errno) in
                guard try directories.lookup(name, in: directory)?.inode == object.number else { throw .noSuchFileOrDirectory }
                var disk = object.disk
                try requireRemoval(of: disk, from: directory.disk, for: request)
                if removingDirectory {
                    guard disk.mode.isDirectory else { throw .notDirectory }
                    guard try directories.withIndex(of: object, { $0.isEmpty }) else { throw .directoryNotEmpty }
                } else {
                    guard !disk.mode.isDirectory else { throw .isDirectory }
                }
                try dropName(name, in: directory, losingSubdirectory: removingDirectory, now: now, handle)
                disk.linkCount = removingDirectory ? 0 : disk.linkCountLessOne
                disk.changeTime = now
                try table.store(object, disk, handle)
                logChange(.removed(parent: parent, name: name, inode: object.inode, isLast: disk.linkCount == 0), by: request, handle)
            }
        }
        try releaseIfUnused(object)
    }

    // MARK: Shared steps

    /// Makes a new object called `name` in `parent`, owned as the shared rules say, and links it in; with no
    /// name (`O_TMPFILE`) it is made with no link (write and search permission on `parent` needed).
    func makeChild(_ request: Request, parent: Inode, name: FileName?, mode: FileMode, device: UInt32 = 0,
                   target: [UInt8] = []) throws(Errno) -> CachedInode {
        let directory = try directory(parent)
        let now = clock.now()
        prepareLog(for: request)
        return try changing { (handle: Handle) throws(Errno) -> CachedInode in
            try withLocks([directory]) { () throws(Errno) -> CachedInode in
                if let name {
                    try requireNewName(name, in: directory, for: request)
                } else {
                    guard directory.disk.linkCount > 0 else { throw .noSuchFileOrDirectory }
                    try require([.write, .execute], on: directory.disk, for: request)
                    try directory.disk.inodeFlags.checkNameAddition()
                }
                let new = try newObject(in: directory, mode: mode, for: request)
                let owner = new.ownership
                let object = try makeInode(new, device: device, linkCount: name == nil ? 0 : mode.isDirectory ? 2 : 1,
                                           parent: mode.isDirectory ? directory.number : 0, now: now, handle)
                let number = object.number
                do throws(Errno) {
                    try table.change(object, handle) { (disk: inout DiskInode) throws(Errno) in
                        if !target.isEmpty {
                            let block = try map.map(&disk, 0, goal: nil, handle).block
                            var bytes = [UInt8](repeating: 0, count: Format.blockSize)
                            bytes.replaceSubrange(0..<target.count, with: target)
                            try journal.initialize(BlockNumber(UInt64(block)), handle, to: bytes)
                            disk.size = UInt64(target.count)
                        }
                    }
                    try table.store(object, object.disk, handle)
                    if let name {
                        try addName(name, for: number, type: owner.mode.type ?? .regular, in: directory, now: now, handle,
                                    gainingSubdirectory: mode.isDirectory)
                    }
                } catch {
                    try free(object, handle)
                    throw error
                }
                logChange(.made(parent: parent, name: name, inode: object.inode, type: mode.type ?? .regular), by: request, handle)
                return object
            }
        }
    }

    /// Allocates an inode with `new`'s owner, mode and ACLs (their attribute block written in `handle`'s
    /// transaction) and all times `now`, in memory and not yet stored or named: the first step of every new
    /// object. Its generation is the transaction's sequence number (`docs/XV6FS-FORMAT.md`).
    func makeInode(_ new: NewObject, device: UInt32, linkCount: UInt32, parent: UInt32,
                   now: Timestamp, _ handle: Handle) throws(Errno) -> CachedInode {
        var disk = DiskInode()
        let owner = new.ownership
        (disk.mode, disk.uid, disk.gid, disk.device) = (owner.mode, owner.uid, owner.gid, device)
        (disk.accessTime, disk.modificationTime, disk.changeTime) = (now, now, now)
        disk.linkCount = linkCount
        disk.parent = parent
        disk.generation = UInt32(truncatingIfNeeded: handle.sequence)
        let number = try allocator.allocateInode(handle)
        var acls = XattrBlock()
        acls[.accessACL] = new.accessACL
        acls[.defaultACL] = new.defaultACL
        do {
            try storeXattrs(acls, in: &disk, handle)
        } catch {
            try allocator.freeInode(number, handle)
            throw error
        }
        return table.make(number, disk: disk)
    }

    /// The owner, group, mode and ACLs of an object `request` makes with `mode` in `directory` (its lock held):
    /// the shared rules, with the directory's default ACL read from its attribute block.
    func newObject(in directory: CachedInode, mode: FileMode, for request: Request) throws(Errno) -> NewObject {
        let disk = directory.disk
        return disk.ownership.newObject(mode: mode, for: request, defaultACL: try xattrs(of: disk)[.defaultACL])
    }

    /// Links `name` → `number` into `directory` and updates the directory's times (and link count for a new
    /// subdirectory: `EMLINK` when it is at its limit). Call with the directory's change lock held.
    func addName(_ name: FileName, for number: UInt32, type: FileType, in directory: CachedInode, now: Timestamp,
                 _ handle: Handle, gainingSubdirectory: Bool = false) throws(Errno) {
        try table.change(directory, handle) { (disk: inout DiskInode) throws(Errno) in
            guard !gainingSubdirectory || disk.linkCount < UInt32.max else { throw .tooManyLinks }
            try directories.insert(name, inode: number, type: type, into: directory, &disk, handle)
            disk.modificationTime = now
            disk.changeTime = now
            if gainingSubdirectory { disk.linkCount += 1 }
        }
    }

    /// Removes `name` from `directory` and updates its times (and link count when a subdirectory goes).
    func dropName(_ name: FileName, in directory: CachedInode, losingSubdirectory: Bool, now: Timestamp,
                  _ handle: Handle) throws(Errno) {
        try directories.remove(name, from: directory, handle)
        try table.change(directory, handle) { (disk: inout DiskInode) throws(Errno) in
            disk.modificationTime = now
            disk.changeTime = now
            if losingSubdirectory { disk.linkCount -= 1 }
        }
    }
}
