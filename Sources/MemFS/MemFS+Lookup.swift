import BentoKit

// Finding objects and reporting on them: lookup, forget, getattr, readlink, access.

extension MemFS {
    /// Finds `name` in `parent` (search permission needed), counting one lookup of the result; `.` names `parent`
    /// itself whatever its type (a file handle decoded, `exportHandles`), `ENOENT` once it has no name.
    public func lookup(_ request: Request, parent: Inode, name: FileName) throws(Errno) -> Entry {
        try locked { (state: inout State) throws(Errno) -> Entry in
            if name == .dot {  // a file handle decoded (`exportHandles`): the node itself while it has a name
                let node = try state.node(parent)
                guard node.linkCount > 0 else { throw .noSuchFileOrDirectory }
                return state.entry(for: node)
            }
            let directory = try state.directory(parent)
            try state.require(.execute, on: directory, for: request)
            return state.entry(for: try state.child(name, of: directory))
        }
    }

    /// Drops `count` lookups of `inode`, freeing it when nothing else refers to it.
    public func forget(_ inode: Inode, count: UInt64) {
        state.withLock { state in
            guard let node = state.nodes[inode] else { return }
            node.lookups -= min(count, node.lookups)
            state.freeIfUnused(node)
        }
    }

    /// Reports `inode`'s attributes.
    public func getattr(_ request: Request, inode: Inode, handle: FileHandle?) throws(Errno) -> AttributesReply {
        try locked { (state: inout State) throws(Errno) -> AttributesReply in state.reply(for: try state.node(inode)) }
    }

    /// Reads a symbolic link's target; `EINVAL` for other types.
    public func readlink(_ request: Request, inode: Inode) throws(Errno) -> [UInt8] {
        try locked { (state: inout State) throws(Errno) -> [UInt8] in
            let node = try state.node(inode)
            guard node.type == .symbolicLink else { throw .invalidArgument }
            return node.target
        }
    }

    /// Answers `access(2)` by the same rules MemFS applies itself, whatever `checksPermissions` says:
    /// `EACCES` when a mode bit is missing, `EROFS` when asking to write on a read-only mount.
    public func access(_ request: Request, inode: Inode, mask: AccessMask) throws(Errno) {
        try locked { (state: inout State) throws(Errno) in
            let node = try state.node(inode)
            if mask.contains(.write), state.isReadOnly,
               [.regular, .directory, .symbolicLink].contains(node.type) { throw .readOnlyFileSystem }
            guard node.grants(mask, to: request) else { throw .permissionDenied }
        }
    }
}
