import BentoKit
import BentoServices

// Listing directories: opendir, readdir, readdirplus, releasedir, fsyncdir.
//
// Cookies: `.` is 1, `..` is 2, a name is 3 + its record's byte position in the directory. Records never move,
// so a listing resumed from any cookie neither skips nor repeats a surviving name, whatever changed meanwhile.

extension XV6FS {
    /// Opens a directory for listing (read permission needed); `ENOTDIR` for other types.
    public func opendir(_ request: Request, inode: Inode, flags: OpenFlags) throws(Errno) -> OpenReply {
        let directory = try directory(inode)
        try require(.read, on: directory.disk, for: request)
        return OpenReply(handle: opened(directory, flags: flags, for: request))
    }

    /// Lists the entries after `offset` until `listing` is full.
    public func readdir(_ request: Request, inode: Inode, handle: FileHandle, offset: UInt64,
                        into listing: inout DirectoryListing) throws(Errno) {
        try list(inode: inode, handle: handle, offset: offset, into: &listing)
    }

    /// Lists the entries after `offset` with their attributes, counting one lookup for each name kept.
    public func readdirplus(_ request: Request, inode: Inode, handle: FileHandle, offset: UInt64,
                            into listing: inout DirectoryListing) throws(Errno) {
        try list(inode: inode, handle: handle, offset: offset, into: &listing)
    }

    /// Closes a directory handle.
    public func releasedir(_ request: Request, inode: Inode, handle: FileHandle) throws(Errno) {
        try release(request, inode: inode, handle: handle, flags: [])
    }

    /// Makes the directory's entries durable.
    public func fsyncdir(_ request: Request, inode: Inode, handle: FileHandle, dataOnly: Bool) throws(Errno) {
        try fsync(request, inode: inode, handle: handle, dataOnly: dataOnly)
    }

    /// Fills `listing` from the directory's records after cookie `offset`.
    private func list(inode: Inode, handle: FileHandle, offset: UInt64, into listing: inout DirectoryListing) throws(Errno) {
        _ = try handles.withLock { (table: inout HandleTable) throws(Errno) -> OpenFile in try table.file(handle, on: inode) }
        let directory = try directory(inode)
        let disk = directory.disk
        guard disk.linkCount > 0 else { return }
        defer { accessed(directory) }
        let dots = [(FileName.dot, directory.inode, UInt64(1)), (FileName.dotDot, Inode(UInt64(disk.parent)), UInt64(2))]
        for (name, number, cookie) in dots where cookie > offset {
            guard listing.append(DirectoryEntry(inode: number, cookie: cookie, type: .directory, name: name)) else { return }
        }
        try directories.list(disk, after: offset) { (name: FileName, slot: DirectorySlot, cookie: UInt64) throws(Errno) -> Bool in
            guard listing.fits(name) else { return false }
            let entry = DirectoryEntry(inode: Inode(UInt64(slot.inode)), cookie: cookie, type: slot.type, name: name)
            guard listing.isPlus, let object = try? table.get(UInt64(slot.inode)) else { return listing.append(entry) }
            return listing.append(entry, lookup: self.entry(for: object))
        }
    }
}
