import BentoKit

// Listing directories: opendir, readdir, readdirplus, releasedir, fsyncdir.
//
// A listing resumes from the offset the kernel gives back (the cookie of the last entry it kept): `.` is 1,
// `..` is 2, names have the cookies `DirectoryContents` gave them. Names removed or added between two calls
// neither disturb nor repeat the others. A removed directory lists nothing.

extension MemFS {
    /// Opens a directory for listing (read permission needed); `ENOTDIR` for other types.
    public func opendir(_ request: Request, inode: Inode, flags: OpenFlags) throws(Errno) -> OpenReply {
        try locked { (state: inout State) throws(Errno) -> OpenReply in
            let directory = try state.directory(inode)
            try state.require(.read, on: directory, for: request)
            return OpenReply(handle: state.open(directory, flags: flags))
        }
    }

    /// Lists the entries after `offset` until `listing` is full.
    public func readdir(_ request: Request, inode: Inode, handle: FileHandle, offset: UInt64,
                        into listing: inout DirectoryListing) throws(Errno) {
        listing = try list(inode: inode, handle: handle, offset: offset, into: listing)
    }

    /// Lists the entries after `offset` with their attributes, counting one lookup for each name kept
    /// (`.` and `..` carry none). Stops at the first entry that does not fit.
    public func readdirplus(_ request: Request, inode: Inode, handle: FileHandle, offset: UInt64,
                            into listing: inout DirectoryListing) throws(Errno) {
        listing = try list(inode: inode, handle: handle, offset: offset, into: listing)
    }

    /// Closes a directory handle.
    public func releasedir(_ request: Request, inode: Inode, handle: FileHandle) throws(Errno) {
        try locked { (state: inout State) throws(Errno) in try state.close(handle, on: inode) }
    }

    /// Nothing to make durable.
    public func fsyncdir(_ request: Request, inode: Inode, handle: FileHandle, dataOnly: Bool) throws(Errno) {}

    /// Fills `listing` (plus or not, as it says) under the lock and gives it back; the listing is an access.
    private func list(inode: Inode, handle: FileHandle, offset: UInt64,
                      into listing: DirectoryListing) throws(Errno) -> DirectoryListing {
        let now = clock.now()
        return try locked { (state: inout State) throws(Errno) -> DirectoryListing in
            _ = try state.openFile(handle, on: inode)
            let directory = try state.directory(inode)
            state.accessed(directory, at: now, under: options.accessTimes)
            var listing = listing
            state.list(directory, after: offset, into: &listing)
            return listing
        }
    }
}

extension MemFS.State {
    /// Appends `directory`'s entries after cookie `offset` to `listing` until it is full.
    func list(_ directory: Node, after offset: UInt64, into listing: inout DirectoryListing) {
        guard let contents = directory.directory, directory.linkCount > 0 else { return }
        let dots = [(FileName.dot, directory.inode, DirectoryContents.dotCookie),
                    (FileName.dotDot, contents.parent, DirectoryContents.dotDotCookie)]
        for (name, inode, cookie) in dots where cookie > offset {
            guard listing.append(DirectoryEntry(inode: inode, cookie: cookie, type: .directory, name: name)) else { return }
        }
        for (name, link) in contents.entries(after: offset) {
            guard listing.fits(name) else { return }
            let entry = DirectoryEntry(inode: link.inode, cookie: link.cookie, type: link.type, name: name)
            guard listing.isPlus, let node = nodes[link.inode] else {
                guard listing.append(entry) else { return }
                continue
            }
            listing.append(entry, lookup: self.entry(for: node))
        }
    }
}
