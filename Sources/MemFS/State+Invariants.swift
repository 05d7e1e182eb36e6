import BentoKit

// The shape of MemFS's state that handlers count on without checking it again: every request keeps it, and a
// state decoded for an upgrade must have it before it serves, or damaged bytes would surface later as a trap (a
// link or open count taken below zero) or an endless loop (a `..` chain that never reaches the root).

extension MemFS.State {
    /// Throws `EINVAL` unless: the root is its own parent and no entry names it; every entry of a directory
    /// reachable from the root names a node of the entry's type; any other directory is named at most once, from
    /// its parent; a named directory has two links plus one per subdirectory, an unnamed one is empty and has
    /// none; any other node has one link per entry naming it; each node's open count is its number of handles.
    func checkInvariants() throws(Errno) {
        guard let root = nodes[.root], root.directory?.parent == .root else { throw .invalidArgument }
        var names: [Inode: Int] = [:]
        var unvisited = [root]
        while let directory = unvisited.popLast(), let contents = directory.directory {
            for (_, link) in contents.entries(after: 0) {
                guard link.inode != .root, let node = nodes[link.inode], node.type == link.type else {
                    throw .invalidArgument
                }
                names[link.inode, default: 0] += 1
                guard node.isDirectory else { continue }
                guard names[link.inode] == 1, node.directory?.parent == directory.inode else { throw .invalidArgument }
                unvisited.append(node)
            }
        }
        var opens: [Inode: Int] = [:]
        for file in handles.values { opens[file.inode, default: 0] += 1 }
        for node in nodes.values {
            guard node.openCount == opens[node.inode] ?? 0 else { throw .invalidArgument }
            let named = names[node.inode] ?? 0
            if let contents = node.directory {
                let subdirectories = contents.entries(after: 0).filter { $0.link.type == .directory }.count
                let isLinked = node === root || named == 1
                guard isLinked ? Int(node.linkCount) == 2 + subdirectories : node.linkCount == 0 && contents.isEmpty else {
                    throw .invalidArgument
                }
            } else {
                guard Int(node.linkCount) == named else { throw .invalidArgument }
            }
        }
    }
}
