import BentoKit
import BentoServices

// rename and renameat2 with MemFS's (Linux's) semantics: replace, RENAME_NOREPLACE, RENAME_EXCHANGE,
// RENAME_WHITEOUT (a character device 0:0 left at the old name, in the same transaction; its inode is allocated
// before anything moves, so running out of inodes changes nothing); no directory into itself; two names of one
// object make a no-op. Link counts follow `..`.
//
// Locking, as Linux's lock_rename: a cross-directory rename takes the rename lock first (the tree's shape
// cannot change under it), checks ancestry before locking anything, then locks the two parents ancestor first
// and the two objects by inode number. Names looked up before the locks are checked again under them.

extension XV6FS {
    /// Renames `name` in `parent` to `newName` in `newParent`, honouring `flags`.
    public func rename(_ request: Request, parent: Inode, name: FileName, newParent: Inode, newName: FileName,
                       flags: RenameFlags) throws(Errno) {
        guard flags.isSubset(of: [.noReplace, .exchange, .whiteout]),
              !flags.contains(.exchange) || flags.isDisjoint(with: [.noReplace, .whiteout]) else { throw .invalidArgument }
        guard !name.isDotOrDotDot, !newName.isDotOrDotDot else { throw .resourceBusy }
        let from = try directory(parent), to = try directory(newParent)
        try require(.execute, on: from.disk, for: request)
        try require(.execute, on: to.disk, for: request)
        let move = Move(from: from, name: name, to: to, newName: newName, exchange: flags.contains(.exchange),
                        noReplace: flags.contains(.noReplace), whiteout: flags.contains(.whiteout), now: clock.now())
        prepareLog(for: request)
        if from === to {
            try rename(move, for: request)
        } else {
            try renameLock.withLock { (_: inout Void) throws(Errno) in try rename(move, for: request) }
        }
    }

    /// One rename's names and directories.
    private struct Move {
        let from: CachedInode, name: FileName, to: CachedInode, newName: FileName
        let exchange: Bool, noReplace: Bool, whiteout: Bool, now: Timestamp
    }

    /// Looks the objects up, locks everything and renames; retries when a name changed before the locks.
    private func rename(_ move: Move, for request: Request) throws(Errno) {
        while true {
            let source = try child(move.name, of: move.from)
            let target = try directories.lookup(move.newName, in: move.to).map { (slot) throws(Errno) in try table.get(UInt64(slot.inode)) }
            if move.exchange, target == nil { throw .noSuchFileOrDirectory }
            if move.noReplace, target != nil { throw .fileExists }
            guard source !== target else { return }
            if move.from !== move.to {
                if source.disk.mode.isDirectory, try isAncestor(source, of: move.to) { throw .invalidArgument }
                if move.exchange, let target, target.disk.mode.isDirectory, try isAncestor(target, of: move.from) {
                    throw .invalidArgument
                }
            }
            let parents = try isAncestor(move.to, of: move.from) ? [move.to, move.from] : [move.from, move.to]
            let objects = [source, target].compactMap { $0 }.sorted { $0.number < $1.number }
            let done = try changing { (handle: Handle) throws(Errno) -> Bool in
                try withLocks(parents + objects) { () throws(Errno) -> Bool in
                    guard try directories.lookup(move.name, in: move.from)?.inode == source.number,
                          try directories.lookup(move.newName, in: move.to)?.inode == target?.number else { return false }
                    try checkRename(source, move, replacing: target, for: request)
                    let whiteout = try apply(move, source: source, target: target, for: request, handle)
                    logChange(.renamed(parent: move.from.inode, name: move.name, newParent: move.to.inode, newName: move.newName,
                                       inode: source.inode, replaced: target?.inode, exchanged: move.exchange,
                                       replacedIsGone: !move.exchange && target?.disk.linkCount == 0), by: request, handle)
                    if let whiteout {
                        logChange(.made(parent: move.from.inode, name: move.name, inode: whiteout.inode, type: .characterDevice),
                                  by: request, handle)
                    }
                    return true
                }
            }
            guard done else { continue }
            if let target { try releaseIfUnused(target) }
            return
        }
    }

    /// True when `directory` is `ancestor` or lies inside it (walking `..` up to the root).
    private func isAncestor(_ ancestor: CachedInode, of directory: CachedInode) throws(Errno) -> Bool {
        var current = directory
        for _ in 0..<superblock.inodeCount {
            if current.number == ancestor.number { return true }
            let parent = current.disk.parent
            guard parent != current.number, parent != 0 else { return false }
            current = try table.get(UInt64(parent))
        }
        throw .ioError
    }

    /// Refuses a rename the caller may not make or that would break the tree; changes nothing.
    private func checkRename(_ source: CachedInode, _ move: Move, replacing target: CachedInode?, for request: Request) throws(Errno) {
        let sourceDisk = source.disk, fromDisk = move.from.disk, toDisk = move.to.disk
        try requireRemoval(of: sourceDisk, from: fromDisk, for: request)
        if let target {
            try requireRemoval(of: target.disk, from: toDisk, for: request)
        } else {
            try require(.write, on: toDisk, for: request)
            try toDisk.inodeFlags.checkNameAddition()
        }
        if let target, !move.exchange {
            if sourceDisk.mode.isDirectory, !target.disk.mode.isDirectory { throw .notDirectory }
            if !sourceDisk.mode.isDirectory, target.disk.mode.isDirectory { throw .isDirectory }
            if target.disk.mode.isDirectory, try !directories.withIndex(of: target, { $0.isEmpty }) { throw .directoryNotEmpty }
        }
        if move.from !== move.to {
            if sourceDisk.mode.isDirectory {
                try require(.write, on: sourceDisk, for: request)
                guard toDisk.linkCount < UInt32.max else { throw .tooManyLinks }  // its `..` adds one
            }
            if let target, move.exchange, target.disk.mode.isDirectory { try require(.write, on: target.disk, for: request) }
        }
    }

    /// Changes the directories and objects; everything is locked and checked. Returns the whiteout it left, if any.
    private func apply(_ move: Move, source: CachedInode, target: CachedInode?, for request: Request,
                       _ handle: Handle) throws(Errno) -> CachedInode? {
        let sourceType = source.disk.type, now = move.now
        let whiteout = move.whiteout ? try whiteoutInode(in: move.from, for: request, now: now, handle) : nil
        if let target, move.exchange {
            try directories.repoint(move.name, in: move.from, to: target.number, type: target.disk.type, handle)
            try directories.repoint(move.newName, in: move.to, to: source.number, type: sourceType, handle)
            try reparent(source, from: move.from, to: move.to, handle)
            try reparent(target, from: move.to, to: move.from, handle)
        } else {
            if let target {
                try directories.repoint(move.newName, in: move.to, to: source.number, type: sourceType, handle)
                let wasDirectory = target.disk.mode.isDirectory
                try table.change(target, handle) { (disk: inout DiskInode) in
                    disk.linkCount = wasDirectory ? 0 : disk.linkCountLessOne
                }
                if wasDirectory {
                    try table.change(move.to, handle) { (disk: inout DiskInode) in disk.linkCount = disk.linkCountLessOne }
                }
            } else {
                try addName(move.newName, for: source.number, type: sourceType, in: move.to, now: now, handle)
            }
            try directories.remove(move.name, from: move.from, handle)
            try reparent(source, from: move.from, to: move.to, handle)
            if let whiteout {
                try table.store(whiteout, whiteout.disk, handle)
                try addName(move.name, for: whiteout.number, type: .characterDevice, in: move.from, now: now, handle)
            }
        }
        for object in [move.from, move.to] {
            try table.change(object, handle) { (disk: inout DiskInode) in
                disk.modificationTime = now
                disk.changeTime = now
            }
        }
        for object in [source, target].compactMap({ $0 }) {
            try table.change(object, handle) { (disk: inout DiskInode) in disk.changeTime = now }
        }
        return whiteout
    }

    /// The inode of the whiteout `RENAME_WHITEOUT` leaves in `directory`: a character device 0:0 with no permission
    /// bits, owned as a new object there would be; allocated, not yet stored or named.
    private func whiteoutInode(in directory: CachedInode, for request: Request, now: Timestamp,
                               _ handle: Handle) throws(Errno) -> CachedInode {
        let new = try newObject(in: directory, mode: FileMode(type: .characterDevice, permissions: 0), for: request)
        return try makeInode(new, device: 0, linkCount: 1, parent: 0, now: now, handle)
    }

    /// Points a moved directory's `..` at its new parent, moving the link it stands for.
    private func reparent(_ object: CachedInode, from: CachedInode, to: CachedInode, _ handle: Handle) throws(Errno) {
        guard object.disk.mode.isDirectory, from !== to else { return }
        try table.change(object, handle) { (disk: inout DiskInode) in disk.parent = to.number }
        try table.change(from, handle) { (disk: inout DiskInode) in disk.linkCount -= 1 }
        try table.change(to, handle) { (disk: inout DiskInode) in disk.linkCount += 1 }
    }
}
