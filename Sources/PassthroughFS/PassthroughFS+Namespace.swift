import BentoKit
import BentoSystem

/// Names: making, removing, renaming and linking objects, and reading symlinks. Each runs the host call as
/// the caller, then (for calls that make something) looks the new name up to answer with its entry.
extension PassthroughFS {
    public func readlink(_ request: Request, inode: Inode) throws(Errno) -> [UInt8] {
        try descriptor(for: inode).readLink()
    }

    public func mknod(_ request: Request, parent: Inode, name: FileName, mode: BentoKit.FileMode,
                      device: UInt32) throws(Errno) -> Entry {
        let directory = try descriptor(for: parent)
        let (make, restore) = hostCreationMode(mode, in: directory, for: request)
        try asCaller(request) { () throws(Errno) in
            try directory.makeNode(name.bytes, mode: make.rawValue, device: UInt64(device))
        }
        return try enter(in: directory, name: name, requestedMode: restore)
    }

    public func mkdir(_ request: Request, parent: Inode, name: FileName, mode: BentoKit.FileMode) throws(Errno) -> Entry {
        let directory = try descriptor(for: parent)
        let (make, restore) = hostCreationMode(mode, in: directory, for: request)
        try asCaller(request) { () throws(Errno) in
            try directory.makeDirectory(name.bytes, mode: make.permissions)
        }
        return try enter(in: directory, name: name, requestedMode: restore)
    }

    public func symlink(_ request: Request, parent: Inode, name: FileName, target: [UInt8]) throws(Errno) -> Entry {
        let directory = try descriptor(for: parent)
        try asCaller(request) { () throws(Errno) in
            try directory.makeSymbolicLink(name.bytes, target: target)
        }
        return try enter(in: directory, name: name)
    }

    public func link(_ request: Request, inode: Inode, newParent: Inode, newName: FileName) throws(Errno) -> Entry {
        let object = try descriptor(for: inode)
        let directory = try descriptor(for: newParent)
        try asCaller(request) { () throws(Errno) in
            try object.link(as: newName.bytes, in: directory)
        }
        return try enter(in: directory, name: newName)
    }

    public func unlink(_ request: Request, parent: Inode, name: FileName) throws(Errno) {
        let directory = try descriptor(for: parent)
        try asCaller(request) { () throws(Errno) in
            try directory.remove(name.bytes, directory: false)
        }
    }

    public func rmdir(_ request: Request, parent: Inode, name: FileName) throws(Errno) {
        let directory = try descriptor(for: parent)
        try asCaller(request) { () throws(Errno) in
            try directory.remove(name.bytes, directory: true)
        }
    }

    public func rename(_ request: Request, parent: Inode, name: FileName, newParent: Inode, newName: FileName,
                       flags: RenameFlags) throws(Errno) {
        let directory = try descriptor(for: parent)
        let newDirectory = try descriptor(for: newParent)
        try asCaller(request) { () throws(Errno) in
            try directory.rename(name.bytes, to: newDirectory, newName.bytes, flags: flags.rawValue)
        }
    }
}
