import BentoKit
import BentoServices

// Finding objects and reporting on them: lookup, forget, getattr, readlink, access.

extension XV6FS {
    /// Finds `name` in `parent` (search permission needed), counting one lookup of the result. `.` names
    /// `parent` itself whatever its type, while it has a name: the kernel asks so only to open a file handle
    /// (`exportHandles`; the caller has `CAP_DAC_READ_SEARCH`), and a freed or reused inode answers ENOENT or
    /// another generation, which the kernel turns into ESTALE.
    public func lookup(_ request: Request, parent: Inode, name: FileName) throws(Errno) -> Entry {
        if name == .dot {
            let object = try linked(parent)
            guard !isOperationLog(object) else { throw .noSuchFileOrDirectory }  // hidden: no handle reaches it
            return entry(for: object)
        }
        let directory = try directory(parent)
        try require(.execute, on: directory.disk, for: request)
        return entry(for: try child(name, of: directory))
    }

    /// Drops `count` lookups of `inode`, freeing it when nothing else refers to it.
    public func forget(_ inode: Inode, count: UInt64) {
        guard let object = try? object(inode) else { return }
        object.state.withLock { $0.lookups -= min(count, $0.lookups) }
        try? releaseIfUnused(object)
    }

    /// Reports `inode`'s attributes.
    public func getattr(_ request: Request, inode: Inode, handle: FileHandle?) throws(Errno) -> AttributesReply {
        reply(for: try object(inode))
    }

    /// Reads a symbolic link's target; `EINVAL` for other types.
    public func readlink(_ request: Request, inode: Inode) throws(Errno) -> [UInt8] {
        let disk = try object(inode).disk
        guard disk.mode.isSymbolicLink else { throw .invalidArgument }
        let block = try map.lookup(disk, 0)
        guard block != 0, disk.size < UInt64(Format.blockSize) else { throw .ioError }
        return Array(try journal.read(BlockNumber(UInt64(block)))[0..<Int(disk.size)])
    }

    /// Answers `access(2)` by the mode bits: `EACCES` when a bit is missing, `EROFS` for writing on a
    /// read-only mount.
    public func access(_ request: Request, inode: Inode, mask: AccessMask) throws(Errno) {
        let disk = try object(inode).disk
        if mask.contains(.write), readOnly.load(ordering: .relaxed),
           [.regular, .directory, .symbolicLink].contains(disk.type) { throw .readOnlyFileSystem }
        guard disk.ownership.grants(mask, to: request) else { throw .permissionDenied }
    }
}
