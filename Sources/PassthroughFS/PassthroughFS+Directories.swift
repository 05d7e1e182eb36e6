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
                state.stream.seek(to: offset)
                state.position = offset
            }
            while let record = try state.stream.next() {
                guard let name = try? FileName(validating: record.name) else {
                    state.position = record.cookie  // a name the kernel cannot take; skip it
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
                            continue
                        }
                        if filled.entries.isEmpty { throw error }
                        break
                    }
                }
                let type: FileType
                if let known = lookup?.attributes.mode.type {
                    type = known
                } else {
                    type = try entryType(record, parent: parent, inode: inode)
                }
                let entry = DirectoryEntry(
                    inode: lookup?.inode ?? entryInode(record, name: name, in: inode, device: directory.device),
                    cookie: record.cookie, type: type, name: name)
                guard filled.append(entry, lookup: lookup) else {
                    if let lookup { forget(lookup.inode, count: 1) }
                    break
                }
                state.position = record.cookie
            }
            // The record that did not fit was read from the stream; go back to just after the last one kept.
            state.stream.seek(to: state.position)
        }
        listing = filled
    }

    /// The inode number a plain listing reports: our node id when the table knows the object (or it is the
    /// directory itself), else the host's inode number.
    private func entryInode(_ record: DirectoryRecord, name: FileName, in directory: Inode, device: UInt64) -> Inode {
        if name == .dot { return directory }
        let identity = HostIdentity(device: device, inode: record.inode)
        return Inode(inodes.withLock { $0.nodeID(for: identity) } ?? record.inode)
    }

    /// The entry's type from the host listing, or from `fstatat` when the host file system does not say.
    private func entryType(_ record: DirectoryRecord, parent: HostDescriptor?, inode: Inode) throws(Errno) -> FileType {
        if let type = FileType(rawValue: UInt32(record.type) << 12) { return type }
        let directory: HostDescriptor
        if let parent { directory = parent } else { directory = try descriptor(for: inode) }
        return BentoKit.FileMode(rawValue: try directory.status(of: record.name).mode).type ?? .regular
    }

    /// The open directory behind a handle; `EBADF` for unknown handles and file handles.
    private func openDirectory(_ handle: FileHandle) throws(Errno) -> OpenDirectory {
        guard case .directory(let directory)? = openObjects.withLock({ $0.object(handle) }) else { throw .badFileDescriptor }
        return directory
    }
}
