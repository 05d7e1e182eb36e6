import BentoKit

// rename and renameat2 as Linux does them (vfs_rename):
// - plain: replaces an existing target (file over file, empty directory over directory; `EISDIR`, `ENOTDIR`,
//   `ENOTEMPTY` otherwise); `RENAME_NOREPLACE` refuses an existing target (`EEXIST`);
// - `RENAME_EXCHANGE` swaps two existing names (`ENOENT` if either is missing);
// - `RENAME_WHITEOUT` (overlayfs) moves as a plain rename does and leaves at the old name a whiteout: a character
//   device 0:0 with no permission bits, owned as a new file there would be (never with EXCHANGE: `EINVAL`; the
//   kernel has checked CAP_MKNOD);
// - a directory does not move into itself (`EINVAL`);
// - two names of one object (hard links) make it a successful no-op;
// - a removed directory takes no new names (`ENOENT`), so that it stays empty and unlinked.
// Link counts follow `..`: a directory moving to another parent takes one link from the old parent and gives
// one to the new. Both parents get new mtime and ctime; the moved objects get a new ctime.

extension MemFS {
    /// Renames `name` in `parent` to `newName` in `newParent`, honouring `flags`.
    public func rename(_ request: Request, parent: Inode, name: FileName, newParent: Inode, newName: FileName,
                       flags: RenameFlags) throws(Errno) {
        guard flags.isSubset(of: [.noReplace, .exchange, .whiteout]),
              !flags.contains(.exchange) || flags.isDisjoint(with: [.noReplace, .whiteout]) else { throw .invalidArgument }
        guard !name.isDotOrDotDot, !newName.isDotOrDotDot else { throw .resourceBusy }
        let now = clock.now()
        try modifying { (state: inout State) throws(Errno) in
            let from = try state.directory(parent), to = try state.directory(newParent)
            guard to.linkCount > 0 else { throw .noSuchFileOrDirectory }
            try state.require(.execute, on: from, for: request)
            try state.require(.execute, on: to, for: request)
            let source = try state.child(name, of: from)
            let target = to.directory?[newName].flatMap { state.nodes[$0.inode] }
            if flags.contains(.exchange), target == nil { throw .noSuchFileOrDirectory }
            if flags.contains(.noReplace), target != nil { throw .fileExists }
            guard source !== target else { return }
            try state.checkRename(source, from: from, to: to, replacing: target, exchange: flags.contains(.exchange),
                                  for: request)
            // Made before anything moves, so that running out of inodes changes nothing.
            let whiteout = flags.contains(.whiteout) ? try state.makeWhiteout(in: from, for: request, now: now) : nil
            if let target, flags.contains(.exchange) {
                state.exchange(source, name, in: from, with: target, newName, in: to)
            } else {
                state.move(source, name, from: from, to: to, as: newName, replacing: target)
            }
            if let whiteout { from.directory?.insert(name, inode: whiteout.inode, type: .characterDevice) }
            for node in [from, to] { node.contentsChanged(at: now) }
            source.changeTime = now
            target?.changeTime = now
            if let target { state.freeIfUnused(target) }
        }
    }
}

extension MemFS.State {
    /// Refuses a rename the caller may not make or that would break the tree; changes nothing.
    func checkRename(_ source: Node, from: Node, to: Node, replacing target: Node?, exchange: Bool,
                     for request: Request) throws(Errno) {
        try requireRemoval(of: source, from: from, for: request)
        if let target {
            try requireRemoval(of: target, from: to, for: request)
        } else {
            try require(.write, on: to, for: request)
            try to.flags.checkNameAddition()
        }
        if source.isDirectory, try isAncestor(source, of: to) { throw .invalidArgument }
        if let target, exchange, target.isDirectory, try isAncestor(target, of: from) { throw .invalidArgument }
        if let target, !exchange {
            if source.isDirectory, !target.isDirectory { throw .notDirectory }
            if !source.isDirectory, target.isDirectory { throw .isDirectory }
            if target.directory?.isEmpty == false { throw .directoryNotEmpty }
        }
        if from !== to {
            if source.isDirectory { try require(.write, on: source, for: request) }
            if let target, exchange, target.isDirectory { try require(.write, on: target, for: request) }
        }
    }

    /// True when `directory` is `ancestor` or lies inside it.
    func isAncestor(_ ancestor: Node, of directory: Node) throws(Errno) -> Bool {
        var current = directory
        while true {
            if current === ancestor { return true }
            guard let parent = current.directory?.parent, parent != current.inode else { return false }
            current = try node(parent)
        }
    }

    /// Moves `source` to `name` in `to`, dropping the link of the `target` it replaces.
    mutating func move(_ source: Node, _ name: FileName, from: Node, to: Node, as newName: FileName, replacing target: Node?) {
        from.directory?.remove(name)
        if let target {
            to.directory?.repoint(newName, to: source.inode, type: source.type)
            if target.isDirectory {
                target.linkCount = 0
                to.linkCount -= 1
            } else {
                target.linkCount -= 1
            }
        } else {
            to.directory?.insert(newName, inode: source.inode, type: source.type)
        }
        if source.isDirectory { reparent(source, from: from, to: to) }
    }

    /// The whiteout `RENAME_WHITEOUT` leaves in `directory`: a character device 0:0 with no permission bits, owned
    /// as a new object there would be, with one link (the name the caller gives it).
    mutating func makeWhiteout(in directory: Node, for request: Request, now: Timestamp) throws(Errno) -> Node {
        try makeNode(newObject(in: directory, mode: FileMode(type: .characterDevice, permissions: 0), for: request), now: now)
    }

    /// Swaps what `name` in `from` and `newName` in `to` point at.
    mutating func exchange(_ source: Node, _ name: FileName, in from: Node, with target: Node, _ newName: FileName, in to: Node) {
        from.directory?.repoint(name, to: target.inode, type: target.type)
        to.directory?.repoint(newName, to: source.inode, type: source.type)
        if source.isDirectory { reparent(source, from: from, to: to) }
        if target.isDirectory { reparent(target, from: to, to: from) }
    }

    /// Points a moved directory's `..` at its new parent, moving the link it stands for.
    private func reparent(_ directory: Node, from: Node, to: Node) {
        guard from !== to else { return }
        directory.directory?.parent = to.inode
        from.linkCount -= 1
        to.linkCount += 1
    }
}
