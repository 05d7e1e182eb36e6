import BentoKit

// Making and removing names: mknod, mkdir, symlink, link, create, unlink, rmdir.
// Every change to a directory's entries sets its mtime and ctime; a link-count change sets the object's ctime.

extension MemFS {
    /// The longest symbolic-link target Linux accepts (`PATH_MAX` - 1).
    static let maximumTargetLength = 4095

    /// Makes a regular file, FIFO, socket or (for root) device node.
    public func mknod(_ request: Request, parent: Inode, name: FileName, mode: FileMode, device: UInt32) throws(Errno) -> Entry {
        let now = clock.now()
        return try modifying { (state: inout State) throws(Errno) -> Entry in
            var mode = mode
            switch mode.type {
            case nil: mode = FileMode(type: .regular, permissions: mode.permissions)
            case .regular?, .fifo?, .socket?: break
            case .characterDevice?, .blockDevice?:
                guard !state.limits.checksPermissions || request.isRoot else { throw .notPermitted }
            case .directory?, .symbolicLink?: throw .invalidArgument
            }
            let isDevice = mode.type == .characterDevice || mode.type == .blockDevice
            let node = try state.makeChild(request, parent: parent, name: name, mode: mode, now: now,
                                           device: isDevice ? device : 0)
            return state.entry(for: node)
        }
    }

    /// Makes a directory; it inherits set-group-id (and its parent's group) from a set-group-id parent.
    public func mkdir(_ request: Request, parent: Inode, name: FileName, mode: FileMode) throws(Errno) -> Entry {
        let now = clock.now()
        return try modifying { (state: inout State) throws(Errno) -> Entry in
            let mode = FileMode(type: .directory, permissions: mode.permissions)
            return state.entry(for: try state.makeChild(request, parent: parent, name: name, mode: mode, now: now))
        }
    }

    /// Makes a symbolic link; `ENOENT` for an empty target, `ENAMETOOLONG` past 4095 bytes.
    public func symlink(_ request: Request, parent: Inode, name: FileName, target: [UInt8]) throws(Errno) -> Entry {
        guard !target.isEmpty else { throw .noSuchFileOrDirectory }
        guard target.count <= Self.maximumTargetLength, !target.contains(0) else { throw .fileNameTooLong }
        let now = clock.now()
        return try modifying { (state: inout State) throws(Errno) -> Entry in
            let mode = FileMode(type: .symbolicLink, permissions: 0o777)
            return state.entry(for: try state.makeChild(request, parent: parent, name: name, mode: mode, now: now, target: target))
        }
    }

    /// Adds a hard link; `EPERM` for directories, `ENOENT` for an object already unlinked everywhere.
    public func link(_ request: Request, inode: Inode, newParent: Inode, newName: FileName) throws(Errno) -> Entry {
        let now = clock.now()
        return try modifying { (state: inout State) throws(Errno) -> Entry in
            let node = try state.node(inode)
            let directory = try state.directory(newParent)
            guard !node.isDirectory else { throw .notPermitted }
            try state.requireNewName(newName, in: directory, for: request)
            // A file with no name may get one while it is open (an O_TMPFILE file: the kernel decides whether).
            guard node.linkCount > 0 || node.openCount > 0 else { throw .noSuchFileOrDirectory }
            try node.flags.checkUnprotected()
            guard node.linkCount < UInt32.max else { throw .tooManyLinks }
            directory.directory?.insert(newName, inode: node.inode, type: node.type)
            directory.contentsChanged(at: now)
            node.linkCount += 1
            node.changeTime = now
            return state.entry(for: node)
        }
    }

    /// Makes and opens a regular file; without `O_EXCL` an existing file is opened instead, as `open(2)` does.
    public func create(_ request: Request, parent: Inode, name: FileName, mode: FileMode, flags: OpenFlags) throws(Errno) -> CreateReply {
        let now = clock.now()
        return try modifying { (state: inout State) throws(Errno) -> CreateReply in
            let directory = try state.directory(parent)
            try state.require(.execute, on: directory, for: request)
            if let existing = directory.directory?[name] {
                guard !flags.contains(.exclusive) else { throw .fileExists }
                let node = try state.node(existing.inode)
                let open = try state.open(node, flags: flags, for: request, now: now)
                return CreateReply(entry: state.entry(for: node), open: open)
            }
            let mode = FileMode(type: .regular, permissions: mode.permissions)
            let node = try state.makeChild(request, parent: parent, name: name, mode: mode, now: now)
            return CreateReply(entry: state.entry(for: node), open: OpenReply(handle: state.open(node, flags: flags)))
        }
    }

    /// Makes and opens a regular file with no name in `parent` (`O_TMPFILE`), owned as a new file there would be;
    /// it goes at its last release unless `link` names it first.
    public func tmpfile(_ request: Request, parent: Inode, mode: FileMode, flags: OpenFlags) throws(Errno) -> CreateReply {
        let now = clock.now()
        return try modifying { (state: inout State) throws(Errno) -> CreateReply in
            let directory = try state.directory(parent)
            guard directory.linkCount > 0 else { throw .noSuchFileOrDirectory }
            try state.require([.write, .execute], on: directory, for: request)
            try directory.flags.checkNameAddition()
            let new = state.newObject(in: directory, mode: FileMode(type: .regular, permissions: mode.permissions), for: request)
            let node = try state.makeNode(new, now: now)
            node.linkCount = 0
            return CreateReply(entry: state.entry(for: node), open: OpenReply(handle: state.open(node, flags: flags)))
        }
    }

    /// Removes a name that is not a directory (`EISDIR` for one).
    public func unlink(_ request: Request, parent: Inode, name: FileName) throws(Errno) {
        let now = clock.now()
        try modifying { (state: inout State) throws(Errno) in
            let directory = try state.directory(parent)
            try state.require(.execute, on: directory, for: request)
            let node = try state.child(name, of: directory)
            try state.requireRemoval(of: node, from: directory, for: request)
            guard !node.isDirectory else { throw .isDirectory }
            directory.directory?.remove(name)
            directory.contentsChanged(at: now)
            node.linkCount -= 1
            node.changeTime = now
            state.freeIfUnused(node)
        }
    }

    /// Removes an empty directory: `ENOTDIR` for other types, `ENOTEMPTY` when it holds names,
    /// `EINVAL` for `.`.
    public func rmdir(_ request: Request, parent: Inode, name: FileName) throws(Errno) {
        let now = clock.now()
        try modifying { (state: inout State) throws(Errno) in
            guard name != .dot else { throw .invalidArgument }
            guard name != .dotDot else { throw .directoryNotEmpty }
            let directory = try state.directory(parent)
            try state.require(.execute, on: directory, for: request)
            let node = try state.child(name, of: directory)
            try state.requireRemoval(of: node, from: directory, for: request)
            guard let contents = node.directory else { throw .notDirectory }
            guard contents.isEmpty else { throw .directoryNotEmpty }
            directory.directory?.remove(name)
            directory.contentsChanged(at: now)
            directory.linkCount -= 1
            node.linkCount = 0
            node.changeTime = now
            state.freeIfUnused(node)
        }
    }
}

extension MemFS.State {
    /// Makes a new object called `name` in `parent`, owned as `newObject(in:mode:for:)` says, and links it in.
    mutating func makeChild(_ request: Request, parent: Inode, name: FileName, mode: FileMode, now: Timestamp,
                            device: UInt32 = 0, target: [UInt8] = []) throws(Errno) -> Node {
        let directory = try directory(parent)
        try requireNewName(name, in: directory, for: request)
        let node = try makeNode(newObject(in: directory, mode: mode, for: request), now: now, device: device,
                                parent: directory.inode, target: target)
        directory.directory?.insert(name, inode: node.inode, type: node.type)
        directory.contentsChanged(at: now)
        if node.isDirectory { directory.linkCount += 1 }
        return node
    }
}
