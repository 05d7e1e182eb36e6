import BentoKit
import Synchronization

// A small read-write file system in memory: directories and regular files under one lock. It shows what a real
// one must do beyond HelloFS:
// - node ids are its own, and a node lives while it has a name or the kernel still counts lookups of it (every
//   `Entry` returned adds one, `forget` takes them away): an unlinked file that is still open stays readable;
// - permissions are the kernel's (the mount has `default_permissions`), ownership of new objects is the caller's;
// - across a live upgrade (`bento upgrade`) the whole tree, lookup counts included, goes to the next version as
//   bytes (`TinyFS+Upgrade.swift`), which reads them back or refuses a format it does not know.

/// The tree: nodes by id, and the next id to give.
struct Tree: Sendable {
    /// A directory or a regular file.
    struct Node: Sendable {
        var attributes: Attributes
        var data: [UInt8] = []
        var children: [FileName: Inode] = [:]
        var lookups: UInt64 = 0
    }

    var nodes: [Inode: Node]
    var next: UInt64

    /// All the file data held, at most `TinyFS.capacity` bytes.
    var usedBytes = 0

    /// The node `inode` names, or `ENOENT`.
    func node(_ inode: Inode) throws(Errno) -> Node {
        guard let node = nodes[inode] else { throw .noSuchFileOrDirectory }
        return node
    }

    /// Frees `inode` once it has no name left and the kernel no lookup of it.
    mutating func freeIfUnused(_ inode: Inode) {
        guard let node = nodes[inode], node.attributes.linkCount == 0, node.lookups == 0 else { return }
        usedBytes -= node.data.count
        nodes[inode] = nil
    }
}

/// A small read-write in-memory file system that goes on across live upgrades.
public final class TinyFS: UpgradableFileSystem {
    /// The most file data it holds (`ENOSPC` beyond), which `statfs` reports.
    public static let capacity = 1 << 30
    let tree: Mutex<Tree>
    let clock = SystemClock()

    /// An empty file system whose root belongs to `owner`.
    public init(owner: UserID = .root, group: GroupID = .root) {
        let root = Attributes(inode: .root, mode: FileMode(type: .directory, permissions: 0o755), linkCount: 2,
                              uid: owner, gid: group)
        tree = Mutex(Tree(nodes: [.root: Tree.Node(attributes: root)], next: 2))
    }

    /// A file system that goes on from `tree` (an upgrade).
    init(tree: Tree) { self.tree = Mutex(tree) }

    /// Lists directories with READDIR (this file system answers no READDIRPLUS), and has `O_TRUNC` sent as a
    /// setattr of the size (its `open` does nothing).
    public func initialize(_ connection: inout Connection) throws(Errno) {
        connection.wanted.subtract([.readdirPlus, .readdirPlusAuto, .atomicOpenTruncate])
    }

    public func lookup(_ request: Request, parent: Inode, name: FileName) throws(Errno) -> Entry {
        try tree.withLock { tree throws(Errno) -> Entry in
            guard let inode = try tree.node(parent).children[name] else { throw .noSuchFileOrDirectory }
            tree.nodes[inode]?.lookups += 1
            return Entry(attributes: try tree.node(inode).attributes)
        }
    }

    public func forget(_ inode: Inode, count: UInt64) {
        tree.withLock { tree in
            guard let lookups = tree.nodes[inode]?.lookups else { return }
            tree.nodes[inode]?.lookups = lookups - min(lookups, count)
            tree.freeIfUnused(inode)
        }
    }

    public func getattr(_ request: Request, inode: Inode, handle: FileHandle?) throws(Errno) -> AttributesReply {
        AttributesReply(try tree.withLock { tree throws(Errno) in try tree.node(inode).attributes })
    }

    public func setattr(_ request: Request, inode: Inode, changes: AttributeChanges) throws(Errno) -> AttributesReply {
        let now = clock.now()
        return try tree.withLock { tree throws(Errno) -> AttributesReply in
            var node = try tree.node(inode)
            if let size = changes.size {
                guard node.attributes.mode.isRegular else { throw .isDirectory }
                guard Int(clamping: size) - node.data.count <= Self.capacity - tree.usedBytes else { throw .noSpace }
                tree.usedBytes += Int(size) - node.data.count
                node.data = Array(node.data.prefix(Int(size))) + [UInt8](repeating: 0, count: max(0, Int(size) - node.data.count))
                node.attributes.size = size
                node.attributes.modificationTime = now
            }
            if let mode = changes.mode { node.attributes.mode.permissions = mode.permissions }
            if let uid = changes.uid { node.attributes.uid = uid }
            if let gid = changes.gid { node.attributes.gid = gid }
            for (change, keyPath) in [(changes.accessTime, \Attributes.accessTime),
                                      (changes.modificationTime, \Attributes.modificationTime)] {
                switch change {
                case .now?: node.attributes[keyPath: keyPath] = now
                case .time(let time)?: node.attributes[keyPath: keyPath] = time
                case nil: break
                }
            }
            node.attributes.changeTime = now
            tree.nodes[inode] = node
            return AttributesReply(node.attributes)
        }
    }

    public func mkdir(_ request: Request, parent: Inode, name: FileName, mode: FileMode) throws(Errno) -> Entry {
        try make(request, in: parent, name: name, mode: FileMode(type: .directory, permissions: mode.permissions))
    }

    public func create(_ request: Request, parent: Inode, name: FileName, mode: FileMode, flags: OpenFlags) throws(Errno) -> CreateReply {
        let entry = try make(request, in: parent, name: name, mode: FileMode(type: .regular, permissions: mode.permissions))
        return CreateReply(entry: entry, open: OpenReply(handle: FileHandle(0)))
    }

    /// Makes `name` in `parent`: a new node owned by the caller, counted as one lookup.
    private func make(_ request: Request, in parent: Inode, name: FileName, mode: FileMode) throws(Errno) -> Entry {
        let now = clock.now()
        return try tree.withLock { tree throws(Errno) -> Entry in
            var directory = try tree.node(parent)
            guard directory.attributes.mode.isDirectory else { throw .notDirectory }
            guard directory.attributes.linkCount > 0 else { throw .noSuchFileOrDirectory }
            guard directory.children[name] == nil else { throw .fileExists }
            let inode = Inode(tree.next)
            tree.next += 1
            let attributes = Attributes(inode: inode, accessTime: now, modificationTime: now, changeTime: now, mode: mode,
                                        linkCount: mode.isDirectory ? 2 : 1, uid: request.uid, gid: request.gid)
            tree.nodes[inode] = Tree.Node(attributes: attributes, lookups: 1)
            directory.children[name] = inode
            directory.attributes.linkCount += mode.isDirectory ? 1 : 0
            (directory.attributes.modificationTime, directory.attributes.changeTime) = (now, now)
            tree.nodes[parent] = directory
            return Entry(attributes: attributes)
        }
    }

    public func unlink(_ request: Request, parent: Inode, name: FileName) throws(Errno) {
        try remove(name, from: parent, directory: false)
    }

    public func rmdir(_ request: Request, parent: Inode, name: FileName) throws(Errno) {
        try remove(name, from: parent, directory: true)
    }

    /// Takes `name` out of `parent`; the node goes once the kernel has forgotten it.
    private func remove(_ name: FileName, from parent: Inode, directory: Bool) throws(Errno) {
        let now = clock.now()
        try tree.withLock { tree throws(Errno) in
            guard let inode = try tree.node(parent).children[name] else { throw .noSuchFileOrDirectory }
            var node = try tree.node(inode)
            guard node.attributes.mode.isDirectory == directory else { throw directory ? .notDirectory : .isDirectory }
            guard node.children.isEmpty else { throw .directoryNotEmpty }
            node.attributes.linkCount = 0
            node.attributes.changeTime = now
            tree.nodes[inode] = node
            tree.nodes[parent]?.children[name] = nil
            tree.nodes[parent]?.attributes.linkCount -= directory ? 1 : 0
            tree.nodes[parent]?.attributes.modificationTime = now
            tree.freeIfUnused(inode)
        }
    }

    /// Moves `name` to `newName` in `newParent`, over a file or an empty directory of the same kind.
    public func rename(_ request: Request, parent: Inode, name: FileName, newParent: Inode, newName: FileName,
                       flags: RenameFlags) throws(Errno) {
        guard flags.isEmpty else { throw .invalidArgument }
        let now = clock.now()
        try tree.withLock { tree throws(Errno) in
            guard let inode = try tree.node(parent).children[name] else { throw .noSuchFileOrDirectory }
            let isDirectory = try tree.node(inode).attributes.mode.isDirectory
            guard try tree.node(newParent).attributes.mode.isDirectory else { throw .notDirectory }
            if let replaced = try tree.node(newParent).children[newName], replaced != inode {
                let target = try tree.node(replaced)
                guard target.attributes.mode.isDirectory == isDirectory else { throw isDirectory ? .notDirectory : .isDirectory }
                guard target.children.isEmpty else { throw .directoryNotEmpty }
                tree.nodes[replaced]?.attributes.linkCount = 0
                tree.nodes[newParent]?.attributes.linkCount -= isDirectory ? 1 : 0
                tree.freeIfUnused(replaced)
            }
            tree.nodes[parent]?.children[name] = nil
            tree.nodes[newParent]?.children[newName] = inode
            if isDirectory, parent != newParent {
                tree.nodes[parent]?.attributes.linkCount -= 1
                tree.nodes[newParent]?.attributes.linkCount += 1
            }
            for directory in [parent, newParent] { tree.nodes[directory]?.attributes.modificationTime = now }
            tree.nodes[inode]?.attributes.changeTime = now
        }
    }

    public func read(_ request: Request, inode: Inode, handle: FileHandle, offset: UInt64, size: UInt32) throws(Errno) -> [UInt8] {
        try tree.withLock { tree throws(Errno) -> [UInt8] in
            let data = try tree.node(inode).data
            let start = Int(min(offset, UInt64(data.count)))
            return Array(data[start..<min(start + Int(size), data.count)])
        }
    }

    public func write(_ request: Request, inode: Inode, handle: FileHandle, offset: UInt64, data: Span<UInt8>,
                      flags: OpenFlags) throws(Errno) -> UInt32 {
        let now = clock.now()
        let bytes = Array(copying: data)
        return try tree.withLock { tree throws(Errno) -> UInt32 in
            var node = try tree.node(inode)
            let start = flags.contains(.append) ? node.data.count : Int(offset)
            guard max(0, start + bytes.count - node.data.count) <= Self.capacity - tree.usedBytes else { throw .noSpace }
            if node.data.count < start + bytes.count {
                tree.usedBytes += start + bytes.count - node.data.count
                node.data += [UInt8](repeating: 0, count: start + bytes.count - node.data.count)
            }
            node.data.replaceSubrange(start..<start + bytes.count, with: bytes)
            node.attributes.size = UInt64(node.data.count)
            (node.attributes.modificationTime, node.attributes.changeTime) = (now, now)
            tree.nodes[inode] = node
            return UInt32(bytes.count)
        }
    }

    public func readdir(_ request: Request, inode: Inode, handle: FileHandle, offset: UInt64,
                        into listing: inout DirectoryListing) throws(Errno) {
        let children = try tree.withLock { tree throws(Errno) -> [(FileName, Inode, FileMode)] in
            var children: [(FileName, Inode, FileMode)] = []
            for (name, child) in try tree.node(inode).children { children.append((name, child, try tree.node(child).attributes.mode)) }
            return children.sorted { $0.0.bytes.lexicographicallyPrecedes($1.0.bytes) }
        }
        let directory = FileMode(type: .directory, permissions: 0)
        let entries = [(FileName.dot, inode, directory), (FileName.dotDot, inode, directory)] + children
        for (index, (name, child, mode)) in entries.enumerated().dropFirst(Int(min(offset, UInt64(entries.count)))) {
            let entry = DirectoryEntry(inode: child, cookie: UInt64(index + 1), type: mode.type ?? .regular, name: name)
            guard listing.append(entry) else { return }
        }
    }

    public func statfs(_ request: Request, inode: Inode) throws(Errno) -> FileSystemStatistics {
        let (used, count) = tree.withLock { ($0.usedBytes, $0.nodes.count) }
        let total = UInt64(Self.capacity / 4096), free = UInt64((Self.capacity - used) / 4096)
        return FileSystemStatistics(totalBlocks: total, freeBlocks: free, totalInodes: 1 << 20, freeInodes: UInt64(1 << 20 - count))
    }
}
