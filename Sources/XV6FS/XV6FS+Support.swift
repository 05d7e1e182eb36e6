import BentoKit
import BentoServices

// What every operation facet uses: finding inodes, permission checks (the shared BentoKit rules), answers
// for the kernel, open handles, and `changing`, the wrapper that runs a change inside a journal handle.

/// An open file or directory.
struct OpenFile: Sendable {
    /// The inode it was opened on.
    let inode: Inode
    /// The flags of `open`.
    let flags: OpenFlags
}

/// The open handles of a mount.
struct HandleTable: Sendable {
    /// The open files by handle.
    private(set) var files: [FileHandle: OpenFile] = [:]
    /// The number the next handle gets.
    private(set) var next: UInt64 = 1

    /// No handles open.
    init() {}

    /// The table an earlier version of the mount handed over.
    init(files: [FileHandle: OpenFile], next: UInt64) {
        self.files = files
        self.next = next
    }

    /// Records an open and returns its handle.
    mutating func open(_ inode: Inode, flags: OpenFlags) -> FileHandle {
        let handle = FileHandle(next)
        next += 1
        files[handle] = OpenFile(inode: inode, flags: flags)
        return handle
    }

    /// The open file `handle` on `inode`; `EBADF` when unknown or on another inode.
    func file(_ handle: FileHandle, on inode: Inode) throws(Errno) -> OpenFile {
        guard let file = files[handle], file.inode == inode else { throw .badFileDescriptor }
        return file
    }

    /// Forgets `handle`.
    mutating func close(_ handle: FileHandle) { files[handle] = nil }
}

extension DiskInode {
    /// Owner, group and mode for the permission rules.
    var ownership: Ownership { Ownership(mode: mode, uid: uid, gid: gid) }

    /// The link count once one name is gone; a corrupted inode named somewhere yet counting no links stays at 0.
    var linkCountLessOne: UInt32 { linkCount - min(linkCount, 1) }
}

extension XV6FS {
    // MARK: Finding inodes

    /// The inode numbered `inode`.
    func object(_ inode: Inode) throws(Errno) -> CachedInode { try table.get(inode.rawValue) }

    /// The object numbered `inode` while it has a name; `ENOENT` once its last link is gone.
    func linked(_ inode: Inode) throws(Errno) -> CachedInode {
        let object = try object(inode)
        guard object.disk.linkCount > 0 else { throw .noSuchFileOrDirectory }
        return object
    }

    /// The directory numbered `inode`; `ENOTDIR` for other types.
    func directory(_ inode: Inode) throws(Errno) -> CachedInode {
        let object = try object(inode)
        guard object.disk.mode.isDirectory else { throw .notDirectory }
        return object
    }

    /// The object `name` names in `directory` (`.` and `..` understood); `ENOENT` when absent.
    func child(_ name: FileName, of directory: CachedInode) throws(Errno) -> CachedInode {
        let disk = directory.disk
        guard disk.linkCount > 0 else { throw .noSuchFileOrDirectory }
        if name == .dot { return directory }
        if name == .dotDot { return try table.get(UInt64(disk.parent)) }
        guard let slot = try directories.lookup(name, in: directory) else { throw .noSuchFileOrDirectory }
        return try table.get(UInt64(slot.inode))
    }

    // MARK: Permissions

    /// Throws `EACCES` unless the caller may do `mask` to `disk`, by its mode bits and access ACL.
    func require(_ mask: AccessMask, on disk: DiskInode, for request: Request) throws(Errno) {
        guard options.checksPermissions else { return }
        let granted = try disk.ownership.grants(mask, to: request) { () throws(Errno) -> [UInt8]? in
            try xattrs(of: disk)[.accessACL]
        }
        guard granted else { throw .permissionDenied }
    }

    /// Throws `EPERM` unless the caller owns `disk` or is root.
    func requireOwnership(of disk: DiskInode, for request: Request) throws(Errno) {
        guard !options.checksPermissions || disk.ownership.isOwned(by: request) else { throw .notPermitted }
    }

    /// Checks that the caller may remove `child` from `directory`: write and search (`EACCES`), and the sticky
    /// rule (`EPERM`).
    func requireRemoval(of child: DiskInode, from directory: DiskInode, for request: Request) throws(Errno) {
        try require([.write, .execute], on: directory, for: request)
        guard !options.checksPermissions || directory.ownership.allowsRemoval(of: child.ownership, by: request) else {
            throw .notPermitted
        }
        try directory.inodeFlags.checkUnprotected()
        try child.inodeFlags.checkUnprotected()
    }

    /// Checks that `name` may be added to `directory`: the directory still exists, search permission, the name
    /// free (`EEXIST` before a missing write permission, as Linux reports), write permission.
    func requireNewName(_ name: FileName, in directory: CachedInode, for request: Request) throws(Errno) {
        let disk = directory.disk
        guard disk.mode.isDirectory else { throw .notDirectory }
        guard disk.linkCount > 0 else { throw .noSuchFileOrDirectory }
        try require(.execute, on: disk, for: request)
        guard !name.isDotOrDotDot, try directories.lookup(name, in: directory) == nil else { throw .fileExists }
        try require(.write, on: disk, for: request)
        try disk.inodeFlags.checkNameAddition()
    }

    // MARK: Answers

    /// What `stat` reports for `object`.
    func attributes(_ object: CachedInode) -> Attributes {
        let disk = object.disk
        let sectors = UInt64(Format.blockSize / 512)  // st_blocks counts 512-byte units; a corrupted count saturates
        return Attributes(inode: object.inode, size: disk.size, blocks: min(disk.blocks, .max / sectors) * sectors,
                          accessTime: disk.accessTime, modificationTime: disk.modificationTime, changeTime: disk.changeTime,
                          mode: disk.mode, linkCount: disk.linkCount, uid: disk.uid, gid: disk.gid, device: disk.device,
                          blockSize: UInt32(Format.blockSize))
    }

    /// The entry naming `object`, counting one lookup.
    func entry(for object: CachedInode) -> Entry {
        object.state.withLock { $0.lookups += 1 }
        return Entry(attributes: attributes(object), generation: UInt64(object.disk.generation))
    }

    /// `object`'s attributes, cached as the mount's policy says.
    func reply(for object: CachedInode) -> AttributesReply {
        AttributesReply(attributes(object))
    }

    // MARK: Changes

    /// Runs a change inside a journal handle: `EROFS` on a read-only mount. When the disk looks full only
    /// because freed blocks wait for a checkpoint, checkpoints and tries once more (the change left the file
    /// system consistent when it failed).
    func changing<Result>(_ body: (Handle) throws(Errno) -> Result) throws(Errno) -> Result {
        guard !readOnly.load(ordering: .relaxed) else { throw .readOnlyFileSystem }
        do {
            return try journal.transaction(body)
        } catch .noSpace where allocator.hasPendingFrees {
            try journal.checkpoint()
            return try journal.transaction(body)
        }
    }
}

extension XV6FS {
    /// Set once the journal could not write a commit or a checkpoint: from then on changes fail with EROFS and
    /// reads go on, as ext4 does with errors=remount-ro; the device keeps what the last commit left, which a new
    /// mount replays.
    public var failure: String? {
        let errno = journal.failure.load(ordering: .acquiring)
        guard errno != 0 else { return nil }
        return "the journal could not write (\(Errno(rawValue: errno))): read-only until mounted again"
    }
}
