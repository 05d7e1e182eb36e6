import BentoKit

// A live upgrade hands the whole tree to the next version as bytes ("tinyfs" state, version 1): the next id, then
// per node its id, mode, owner, group, link count, lookups, times, data and children. Handles carry nothing
// (every open is handle 0), so there is nothing else to hand over.

extension TinyFS {
    /// The state's format and the versions this build reads.
    static let stateFormat = "tinyfs"
    static let stateVersions: ClosedRange<UInt32> = 1...1

    /// The whole tree, for the next version (the host has stopped every request).
    public func prepareUpgrade() throws(Errno) -> UpgradeState {
        var writer = StateWriter()
        tree.withLock { tree in
            writer.write(tree.next)
            writer.write(tree.nodes.count)
            for (inode, node) in tree.nodes {
                let attributes = node.attributes
                writer.write(inode.rawValue)
                writer.write(attributes.mode.rawValue)
                writer.write(attributes.uid.rawValue)
                writer.write(attributes.gid.rawValue)
                writer.write(attributes.linkCount)
                writer.write(node.lookups)
                for time in [attributes.accessTime, attributes.modificationTime, attributes.changeTime] { writer.write(time) }
                writer.write(node.data)
                writer.write(node.children.count)
                for (name, child) in node.children {
                    writer.write(name.bytes)
                    writer.write(child.rawValue)
                }
            }
        }
        return UpgradeState(format: Self.stateFormat, version: 1, bytes: writer.bytes)
    }

    /// A file system that goes on from `state`; a format or version this build does not read is refused.
    public static func resume(from state: UpgradeState) throws(ModuleError) -> TinyFS {
        try state.require(format: stateFormat, versions: stateVersions)
        var reader = StateReader(state.bytes)
        do throws(Errno) {
            let next = try reader.readUInt64()
            var nodes: [Inode: Tree.Node] = [:]
            for _ in 0..<(try reader.readCount()) {
                let inode = Inode(try reader.readUInt64())
                var attributes = Attributes(inode: inode, mode: FileMode(rawValue: try reader.readUInt32()),
                                            uid: UserID(try reader.readUInt32()), gid: GroupID(try reader.readUInt32()))
                attributes.linkCount = try reader.readUInt32()
                let lookups = try reader.readUInt64()
                attributes.accessTime = try reader.readTimestamp()
                attributes.modificationTime = try reader.readTimestamp()
                attributes.changeTime = try reader.readTimestamp()
                var node = Tree.Node(attributes: attributes, data: try reader.readBytes(), lookups: lookups)
                node.attributes.size = UInt64(node.data.count)
                for _ in 0..<(try reader.readCount()) {
                    node.children[try FileName(validating: try reader.readBytes())] = Inode(try reader.readUInt64())
                }
                nodes[inode] = node
            }
            guard reader.isAtEnd, nodes[.root] != nil else { throw Errno.invalidArgument }
            return TinyFS(tree: Tree(nodes: nodes, next: next, usedBytes: nodes.values.reduce(0) { $0 + $1.data.count }))
        } catch {
            throw ModuleError("tinyfs state is damaged (\(error)): refusing it")
        }
    }
}

/// TinyFS as a mountable, upgradable type (`bento mount --fs libTinyFSModule.so`, `bento upgrade`).
public final class TinyFSModule: FileSystemModule {
    public let name = "tinyfs"
    public let version: String
    public let summary = "a small read-write file system in memory (SOURCE: any word)"

    /// The module, calling itself `version`.
    public init(version: String = "1.0.0") { self.version = version }

    public func make(source: String, options: ModuleOptions) throws(ModuleError) -> any FileSystem {
        TinyFS(owner: options.owner, group: options.group)
    }

    public func resume(from state: UpgradeState, source: String, options: ModuleOptions) throws(ModuleError) -> any FileSystem {
        try TinyFS.resume(from: state)
    }
}
