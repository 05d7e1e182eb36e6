import BentoKit
import BentoServices

// MemFS's whole state: the node table, the open handles and the accounting of space and objects.
//
// Only ever touched through `MemFS.locked`, so every method here runs with the lock held. The operation
// facets (`MemFS+Namespace.swift` and friends) extend `State` with the work of each operation and `MemFS`
// with the public method that takes the lock and calls it.

/// An open file or directory.
struct OpenFile: Sendable {
    /// The node it was opened on.
    let inode: Inode
    /// The flags of `open` (access mode, `O_APPEND`, ...).
    let flags: OpenFlags
}

extension MemFS {
    /// Everything MemFS knows, guarded by its lock.
    struct State {
        /// Fixed settings derived from the options.
        struct Limits: Sendable {
            /// Bytes of file data allowed.
            let capacity: UInt64
            /// Objects allowed.
            let maximumInodes: UInt64
            /// Whether MemFS checks permissions itself.
            let checksPermissions: Bool
        }

        /// Fixed settings.
        let limits: Limits
        /// Every live node by number.
        var nodes: [Inode: Node]
        /// Open files and directories by handle.
        var handles: [FileHandle: OpenFile] = [:]
        /// Bytes of file data held.
        var usedBytes: UInt64 = 0
        /// True on a read-only mount: changes fail with `EROFS`.
        var isReadOnly = false
        /// True when the kernel caches writes (it then computes append positions and reads via any handle).
        var writebackCache = false
        /// The number the next node gets (numbers are never reused).
        var nextInode: UInt64 = Inode.root.rawValue + 1
        /// The number the next handle gets.
        var nextHandle: UInt64 = 1
        /// Whole chunks faulted in ahead of need, for writes that cover a chunk the file does not store yet.
        let freshChunks = ByteReserve(length: Int(FileContents.chunkSize), depth: FileContents.reservedChunks)

        /// A file system holding only `root`.
        init(root: Node, limits: Limits) {
            self.nodes = [root.inode: root]
            self.limits = limits
        }

        // MARK: Nodes

        /// Records a read of `node`'s data or a listing at `now`, as `rule` says (nothing on a read-only mount).
        func accessed(_ node: Node, at now: Timestamp, under rule: AccessTimes) {
            guard !isReadOnly, !node.flags.contains(.noAccessTime),
                  rule.updates(access: node.accessTime, modification: node.modificationTime, change: node.changeTime, now: now)
            else { return }
            node.accessTime = now
        }

        /// The node numbered `inode`, or `ENOENT` when it no longer exists.
        func node(_ inode: Inode) throws(Errno) -> Node {
            guard let node = nodes[inode] else { throw .noSuchFileOrDirectory }
            return node
        }

        /// The directory numbered `inode`: `ENOTDIR` when it is something else.
        func directory(_ inode: Inode) throws(Errno) -> Node {
            let node = try node(inode)
            guard node.isDirectory else { throw .notDirectory }
            return node
        }

        /// The regular file numbered `inode`: `EISDIR` for a directory, `EINVAL` for other types.
        func regularFile(_ inode: Inode) throws(Errno) -> Node {
            let node = try node(inode)
            guard node.type == .regular else { throw node.isDirectory ? .isDirectory : .invalidArgument }
            return node
        }

        /// The node `name` names inside `directory`; `ENOENT` when absent. `.` and `..` are understood.
        func child(_ name: FileName, of directory: Node) throws(Errno) -> Node {
            guard let contents = directory.directory, directory.linkCount > 0 else { throw .noSuchFileOrDirectory }
            if name == .dot { return directory }
            if name == .dotDot { return try node(contents.parent) }
            guard let link = contents[name] else { throw .noSuchFileOrDirectory }
            return try node(link.inode)
        }

        /// Makes a node with the next inode number, `new`'s owner, mode and ACLs; `ENOSPC` when the object limit
        /// is reached.
        mutating func makeNode(_ new: NewObject, now: Timestamp, device: UInt32 = 0,
                               parent: Inode? = nil, target: [UInt8] = []) throws(Errno) -> Node {
            guard UInt64(nodes.count) < limits.maximumInodes else { throw .noSpace }
            let owner = new.ownership
            let node = Node(inode: Inode(nextInode), mode: owner.mode, uid: owner.uid, gid: owner.gid, now: now,
                            device: device, parent: parent, target: target)
            node.xattrs[.accessACL] = new.accessACL
            node.xattrs[.defaultACL] = new.defaultACL
            nextInode += 1
            nodes[node.inode] = node
            return node
        }

        /// Frees `node` once nothing refers to it: no links, no lookups, no open handles. The root stays.
        mutating func freeIfUnused(_ node: Node) {
            guard node.inode != .root, node.linkCount == 0, node.lookups == 0, node.openCount == 0 else { return }
            usedBytes -= node.contents.allocatedBytes
            nodes[node.inode] = nil
        }

        /// The answer naming `node`, counting one lookup.
        func entry(for node: Node) -> Entry {
            node.lookups += 1
            return Entry(attributes: node.attributes)
        }

        /// The attributes of `node`, cached as the mount's policy says.
        func reply(for node: Node) -> AttributesReply {
            AttributesReply(node.attributes)
        }

        // MARK: Space

        /// Changes `node`'s bytes with `body`, keeping `usedBytes` in step. `additional` is how many bytes the
        /// change may allocate at most; `ENOSPC` when they do not fit.
        mutating func changeContents<Result>(of node: Node, allocating additional: UInt64 = 0,
                                             _ body: (inout FileContents) -> Result) throws(Errno) -> Result {
            guard additional <= limits.capacity - min(usedBytes, limits.capacity) else { throw .noSpace }
            let before = node.contents.allocatedBytes
            let result = body(&node.contents)
            usedBytes = usedBytes - before + node.contents.allocatedBytes
            return result
        }

        // MARK: Handles

        /// Records an open of `node` and returns its handle.
        mutating func open(_ node: Node, flags: OpenFlags) -> FileHandle {
            let handle = FileHandle(nextHandle)
            nextHandle += 1
            handles[handle] = OpenFile(inode: node.inode, flags: flags)
            node.openCount += 1
            return handle
        }

        /// The open file `handle` on `inode`: `EBADF` when the handle is unknown or belongs to another node.
        func openFile(_ handle: FileHandle, on inode: Inode) throws(Errno) -> OpenFile {
            guard let file = handles[handle], file.inode == inode else { throw .badFileDescriptor }
            return file
        }

        /// Forgets `handle` and frees its node if that was the last reference.
        mutating func close(_ handle: FileHandle, on inode: Inode) throws(Errno) {
            _ = try openFile(handle, on: inode)
            handles[handle] = nil
            guard let node = nodes[inode] else { return }
            node.openCount -= 1
            freeIfUnused(node)
        }
    }
}
