import BentoKit

// MemFS's whole state as bytes, for a live upgrade: format `memfs`, version 2 (version 1, still read, lacks the
// inode flags: they read as none). Fields in order (integers as `StateWriter` writes them, byte strings
// length-prefixed):
//
//   read-only flag, writeback-cache flag, next inode, next handle
//   node count, then per node:
//     inode, mode, uid, gid, link count, device, atime, mtime, ctime, inode flags (version 2), lookups, open count,
//     xattr count, then (name, value) per xattr,
//     symlink target,
//     file size, chunk count, then (chunk index, bytes) per stored chunk,
//     directory flag; for a directory: parent, next cookie, entry count, then (cookie, name, inode, type)
//   handle count, then per handle: handle, inode, open flags
//
// The limits (capacity, timeouts, permission checks) are not state: the new version takes them from its options.

/// Encodes and decodes MemFS's state (`MemFS+Upgrade.swift` wraps it in an `UpgradeState`).
enum MemFSStateCodec {
    /// The format's name.
    static let format = "memfs"
    /// The version this build writes; it reads `versions`.
    static let version: UInt32 = 2
    /// The versions this build reads.
    static let versions: ClosedRange<UInt32> = 1...2

    /// The bytes of `state`.
    static func encode(_ state: MemFS.State) -> [UInt8] {
        var out = StateWriter()
        out.write(state.isReadOnly)
        out.write(state.writebackCache)
        out.write(state.nextInode)
        out.write(state.nextHandle)
        out.write(state.nodes.count)
        for node in state.nodes.values { encode(node, into: &out) }
        out.write(state.handles.count)
        for (handle, file) in state.handles {
            out.write(handle.rawValue)
            out.write(file.inode.rawValue)
            out.write(Int64(file.flags.rawValue))
        }
        return out.bytes
    }

    private static func encode(_ node: Node, into out: inout StateWriter) {
        out.write(node.inode.rawValue)
        out.write(node.mode.rawValue)
        out.write(node.uid.rawValue)
        out.write(node.gid.rawValue)
        out.write(node.linkCount)
        out.write(node.device)
        for time in [node.accessTime, node.modificationTime, node.changeTime] { out.write(time) }
        out.write(node.flags.rawValue)
        out.write(node.lookups)
        out.write(node.openCount)
        out.write(node.xattrs.count)
        for (name, value) in node.xattrs {
            out.write(name.bytes)
            out.write(value)
        }
        out.write(node.target)
        out.write(node.contents.size)
        let chunks = node.contents.storedChunks
        out.write(chunks.count)
        for (index, bytes) in chunks {
            out.write(index)
            out.write(bytes)
        }
        out.write(node.directory != nil)
        guard let directory = node.directory else { return }
        out.write(directory.parent.rawValue)
        out.write(directory.nextCookie)
        let entries = Array(directory.entries(after: 0))
        out.write(entries.count)
        for (name, link) in entries {
            out.write(link.cookie)
            out.write(name.bytes)
            out.write(link.inode.rawValue)
            out.write(link.type.rawValue)
        }
    }

    /// The state `bytes` hold, with `limits`; `EINVAL` for bytes that are short, inconsistent or trailed by more.
    /// Every number in them is hostile: damaged bytes throw here, never trap here or in a later request.
    static func decode(_ bytes: [UInt8], version: UInt32 = version, limits: MemFS.State.Limits) throws(Errno) -> MemFS.State {
        var input = StateReader(bytes)
        let isReadOnly = try input.readBool(), writebackCache = try input.readBool()
        let nextInode = try input.readCounter(), nextHandle = try input.readCounter()
        var nodes: [Inode: Node] = [:]
        for _ in 0..<(try input.readCount()) {
            let node = try decodeNode(&input, version: version)
            guard node.inode.rawValue < nextInode, nodes.updateValue(node, forKey: node.inode) == nil else { throw .invalidArgument }
        }
        guard let root = nodes[.root], root.isDirectory else { throw .invalidArgument }
        var state = MemFS.State(root: root, limits: limits)
        state.nodes = nodes
        state.isReadOnly = isReadOnly
        state.writebackCache = writebackCache
        state.nextInode = nextInode
        state.nextHandle = nextHandle
        state.usedBytes = nodes.values.reduce(0) { $0 + $1.contents.allocatedBytes }
        for _ in 0..<(try input.readCount()) {
            let handle = FileHandle(try input.readUInt64()), inode = Inode(try input.readUInt64())
            let flags = OpenFlags(rawValue: Int32(truncatingIfNeeded: try input.readInt64()))
            guard handle.rawValue < nextHandle, nodes[inode] != nil else { throw .invalidArgument }
            state.handles[handle] = OpenFile(inode: inode, flags: flags)
        }
        guard input.isAtEnd else { throw .invalidArgument }
        try state.checkInvariants()
        return state
    }

    private static func decodeNode(_ input: inout StateReader, version: UInt32) throws(Errno) -> Node {
        let inode = Inode(try input.readUInt64())
        let mode = FileMode(rawValue: try input.readUInt32())
        let uid = UserID(try input.readUInt32()), gid = GroupID(try input.readUInt32())
        let linkCount = try input.readUInt32(), device = try input.readUInt32()
        let times = [try input.readTimestamp(), try input.readTimestamp(), try input.readTimestamp()]
        let flags = version >= 2 ? try InodeFlags.validated(InodeFlags(rawValue: try input.readUInt32())) : []
        let lookups = try input.readCounter(), openCount = try input.readInt()
        var xattrs: [XattrName: [UInt8]] = [:]
        for _ in 0..<(try input.readCount()) {
            xattrs[try XattrName(validating: try input.readBytes())] = try input.readBytes()
        }
        let target = try input.readBytes()
        let size = try input.readUInt64()
        var chunks: [UInt64: [UInt8]] = [:]
        for _ in 0..<(try input.readCount()) { chunks[try input.readUInt64()] = try input.readBytes() }
        guard let contents = FileContents(size: size, chunks: chunks) else { throw .invalidArgument }
        let node = Node(inode: inode, mode: mode, uid: uid, gid: gid, now: times[0], device: device, target: target)
        (node.linkCount, node.modificationTime, node.changeTime, node.flags) = (linkCount, times[1], times[2], flags)
        (node.lookups, node.openCount, node.xattrs, node.contents) = (lookups, openCount, xattrs, contents)
        let isDirectory = try input.readBool()
        guard isDirectory == mode.isDirectory else { throw .invalidArgument }
        if isDirectory { node.directory = try decodeDirectory(&input) }
        return node
    }

    private static func decodeDirectory(_ input: inout StateReader) throws(Errno) -> DirectoryContents {
        let parent = Inode(try input.readUInt64()), nextCookie = try input.readCounter()
        var entries: [(name: FileName, link: DirectoryLink)] = []
        for _ in 0..<(try input.readCount()) {
            let cookie = try input.readUInt64()
            let name = try FileName(validating: try input.readBytes())
            let inode = Inode(try input.readUInt64())
            guard let type = FileType(rawValue: try input.readUInt32()) else { throw .invalidArgument }
            entries.append((name, DirectoryLink(inode: inode, type: type, cookie: cookie)))
        }
        guard let directory = DirectoryContents(parent: parent, entries: entries, nextCookie: nextCookie) else {
            throw .invalidArgument
        }
        return directory
    }
}

extension StateReader {
    /// A number requests raise by one at a time (a next inode, handle or cookie; a lookup count): `EINVAL` past
    /// `Int64.max`, which no run of requests reaches, so that raising it can never overflow.
    fileprivate mutating func readCounter() throws(Errno) -> UInt64 {
        let value = try readUInt64()
        guard value <= UInt64(Int64.max) else { throw .invalidArgument }
        return value
    }
}
