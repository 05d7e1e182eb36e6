import BentoKit
import BentoSystem

/// Directory listings: each open directory keeps its own host stream, and offsets are the host's `d_off`
/// cookies, so a listing resumes exactly where the previous call stopped.
extension PassthroughFS {
    public func opendir(_ request: Request, inode: Inode, flags: OpenFlags) throws(Errno) -> OpenReply {
        let descriptor = try descriptor(for: inode)
        let directory = try OpenDirectory(listing: descriptor, device: descriptor.status().device)
        return OpenReply(handle: openObjects.withLock { $0.insert(.directory(directory)) })
    }

    public func readdir(_ request: Request, inode: Inode, handle: FileHandle, offset: UInt64,
                        into listing: inout DirectoryListing) throws(Errno) {
        try list(inode: inode, handle: handle, offset: offset, into: &listing, withLookups: false)
    }

    /// Like readdir; each entry that fits (other than `.` and `..`) is looked up, which counts one lookup.
    public func readdirplus(_ request: Request, inode: Inode, handle: FileHandle, offset: UInt64,
                            into listing: inout DirectoryListing) throws(Errno) {
        try list(inode: inode, handle: handle, offset: offset, into: &listing, withLookups: true)
    }

    public func releasedir(_ request: Request, inode: Inode, handle: FileHandle) throws(Errno) {
        let released = openObjects.withLock { $0.remove(handle) }
        _ = released  // the stream closes here, outside the lock
    }

    public func fsyncdir(_ request: Request, inode: Inode, handle: FileHandle, dataOnly: Bool) throws(Errno) {
        try openDirectory(handle).state.withLock { (state) throws(Errno) in
            try state.stream.synchronize(dataOnly: dataOnly)
        }
    }

    /// Fills `listing` from the host stream of `handle`, starting after cookie `offset`.
    private func list(inode: Inode, handle: FileHandle, offset: UInt64, into listing: inout DirectoryListing,
                      withLookups: Bool) throws(Errno) {
        let directory = try openDirectory(handle)
        let parent = withLookups ? try descriptor(for: inode) : nil
        var filled = listing
        try directory.state.withLock { (state) throws(Errno) in
            if state.position != offset {
                do throws(Errno) {
                    try state.stream.seek(to: offset)
                } catch .invalidArgument {
                    // A cookie the host refuses is the caller's own number (a far lseek on the directory), not
                    // one we handed out: nothing lies there, as ext4 lists nothing past its last entry.
                    return
                }
                state.position = offset
            }
            var readAhead = false  // a record was read from the stream but not handed out
            defer {
                // Go back to just after the last entry kept, so the next call starts with the one left over
                // (a position the host took or handed out, which it takes back).
                if readAhead { try? state.stream.seek(to: state.position) }
            }
            while true {
                // Once entries are kept (and, for readdirplus, counted) an error ends the listing early instead
                // of discarding them; the next call starts after the last one kept.
                let next: DirectoryRecord?
                do throws(Errno) {
                    next = try state.stream.next()
                } catch {
                    if filled.entries.isEmpty { throw error }
                    break
                }
                guard let record = next else { break }
                readAhead = true
                guard let name = try? FileName(validating: record.name) else {
                    state.position = record.cookie  // a name the kernel cannot take; skip it
                    readAhead = false
                    continue
                }
                guard filled.fits(name) else { break }
                var lookup: Entry?
                if let parent, !name.isDotOrDotDot {
                    do throws(Errno) {
                        lookup = try enter(in: parent, name: name)
                    } catch {
                        if error == .noSuchFileOrDirectory {  // removed since the host listed it
                            state.position = record.cookie
                            readAhead = false
                            continue
                        }
                        if filled.entries.isEmpty { throw error }
                        break
                    }
                }
                let type = lookup?.attributes.mode.type ?? entryType(record, parent: parent, inode: inode)
                // The host's inode number, as `stat` shows it (the lookup, if any, carries our node id).
                let entry = DirectoryEntry(inode: Inode(record.inode), cookie: record.cookie, type: type, name: name)
                guard filled.append(entry, lookup: lookup) else {
                    if let lookup { forget(lookup.inode, count: 1) }
                    break
                }
                state.position = record.cookie
                readAhead = false
            }
        }
        listing = filled
    }

    /// The entry's type from the host listing, or from `fstatat` when the host file system does not say
    /// (a regular file if even that fails: the entry vanished, and a later lookup will say so).
    private func entryType(_ record: DirectoryRecord, parent: HostDescriptor?, inode: Inode) -> FileType {
        if let type = FileType(rawValue: UInt32(record.type) << 12) { return type }
        guard let directory = parent ?? (try? descriptor(for: inode)),
              let status = try? directory.status(of: record.name) else { return .regular }
        return BentoKit.FileMode(rawValue: status.mode).type ?? .regular
    }

    /// The open directory behind a handle; `EBADF` for unknown handles and file handles.
    private func openDirectory(_ handle: FileHandle) throws(Errno) -> OpenDirectory {
        guard case .directory(let directory)? = openObjects.withLock({ $0.object(handle) }) else { throw .badFileDescriptor }
        return directory
    }
}
