import BentoKit
import BentoSystem

/// Open files: each handle holds a real host descriptor from open or create until release, handed to the host as the
/// backing descriptor (passthrough); the reads and writes that still reach here are `pread`/`pwrite` at the kernel's
/// offsets. There is no flush: data goes to the host on each write and the descriptor stays open until release,
/// so nothing is due at close, and the default ENOSYS stops the kernel sending FLUSH (a round trip per close).
extension PassthroughFS {
    public func open(_ request: Request, inode: Inode, flags: OpenFlags) throws(Errno) -> OpenReply {
        let file = try descriptor(for: inode).reopen(flags: hostFlags(flags).rawValue)
        let handle = openObjects.withLock { $0.insert(.file(file)) }
        return OpenReply(handle: handle, options: try keepsCachedPages(of: inode, file) ? .keepCache : [],
                         backingDescriptor: file.rawValue)
    }

    /// Whether the kernel may keep `inode`'s cached pages at this open: with `cache=auto`, only while the host
    /// file's modification time is the one it had at the previous open (`cache=always` keeps them by policy,
    /// `cache=never` never).
    private func keepsCachedPages(of inode: Inode, _ file: HostDescriptor) throws(Errno) -> Bool {
        guard options.cache == .auto else { return false }
        let modified = try file.status().modificationTime
        return inodes.withLock { $0.recordOpen(inode.rawValue, modified: modified) }
    }

    public func create(_ request: Request, parent: Inode, name: FileName, mode: BentoKit.FileMode,
                       flags: OpenFlags) throws(Errno) -> CreateReply {
        let directory = try descriptor(for: parent)
        let (make, restore) = hostCreationMode(mode, in: directory, for: request)
        let openFlags = hostFlags(flags).rawValue
        // Create exclusively first, so the mode is only ever applied to a file this call made; a file that
        // appeared on the host since the kernel's lookup is opened as it is (unless the caller asked for O_EXCL).
        let (file, isNew) = try asCaller(request) { () throws(Errno) -> (HostDescriptor, Bool) in
            let exclusive = openFlags | OpenFlags.create.rawValue | OpenFlags.exclusive.rawValue
            do throws(Errno) {
                return (try directory.openFile(name.bytes, flags: exclusive, mode: make.permissions), true)
            } catch {
                guard error == .fileExists, !flags.contains(.exclusive) else { throw error }
                return (try directory.openFile(name.bytes, flags: openFlags, mode: 0), false)
            }
        }
        let entry = try enter(in: directory, name: name, requestedMode: isNew ? restore : nil)
        let handle = openObjects.withLock { $0.insert(.file(file)) }
        return CreateReply(entry: entry, open: OpenReply(handle: handle, backingDescriptor: file.rawValue))
    }

    /// Makes and opens a file with no name in `parent` on the host (`O_TMPFILE`, as the caller, with the caller's
    /// flags: the host keeps `O_EXCL`'s rule that it may never get a name). Its node is pinned to a descriptor
    /// for its life: an unnamed object has no file handle to be found again by.
    public func tmpfile(_ request: Request, parent: Inode, mode: BentoKit.FileMode, flags: OpenFlags) throws(Errno) -> CreateReply {
        let directory = try descriptor(for: parent)
        let (make, restore) = hostCreationMode(mode, in: directory, for: request)
        let file = try asCaller(request) { () throws(Errno) -> HostDescriptor in
            try directory.openUnnamed(flags: hostFlags(flags).rawValue, mode: make.permissions)
        }
        let entry = try enterUnnamed(try file.pathDescriptor(), requestedMode: restore)
        let handle = openObjects.withLock { $0.insert(.file(file)) }
        return CreateReply(entry: entry, open: OpenReply(handle: handle, backingDescriptor: file.rawValue))
    }

    public func read(_ request: Request, inode: Inode, handle: FileHandle, offset: UInt64, size: UInt32) throws(Errno) -> [UInt8] {
        try openFile(handle).read(at: offset, count: Int(size))
    }

    public func write(_ request: Request, inode: Inode, handle: FileHandle, offset: UInt64, data: Span<UInt8>,
                      flags: OpenFlags) throws(Errno) -> UInt32 {
        UInt32(clamping: try openFile(handle).write(data, at: offset, appending: flags.contains(.append)))
    }

    public func release(_ request: Request, inode: Inode, handle: FileHandle, flags: OpenFlags) throws(Errno) {
        let released = openObjects.withLock { $0.remove(handle) }
        _ = released  // the descriptor closes here, outside the lock
    }

    public func fsync(_ request: Request, inode: Inode, handle: FileHandle, dataOnly: Bool) throws(Errno) {
        try openFile(handle).synchronize(dataOnly: dataOnly)
    }

    public func fallocate(_ request: Request, inode: Inode, handle: FileHandle, offset: UInt64, length: UInt64,
                          mode: FallocateMode) throws(Errno) {
        try openFile(handle).allocate(mode: mode.rawValue, offset: offset, length: length)
    }

    public func lseek(_ request: Request, inode: Inode, handle: FileHandle, offset: UInt64, whence: SeekWhence) throws(Errno) -> UInt64 {
        try openFile(handle).seek(offset, whence: whence.rawValue)
    }

    public func copyFileRange(_ request: Request, from source: Inode, handle sourceHandle: FileHandle, offset sourceOffset: UInt64,
                              to destination: Inode, handle destinationHandle: FileHandle, offset destinationOffset: UInt64,
                              length: UInt64, flags: UInt64) throws(Errno) -> UInt64 {
        guard let hostFlags = UInt32(exactly: flags) else { throw .invalidArgument }
        return try openFile(sourceHandle).copyRange(at: sourceOffset, to: openFile(destinationHandle),
                                                    at: destinationOffset, length: length, flags: hostFlags)
    }

    /// The host descriptor behind an open-file handle; `EBADF` for unknown handles and directory handles.
    func openFile(_ handle: FileHandle) throws(Errno) -> HostDescriptor {
        guard case .file(let file)? = openObjects.withLock({ $0.object(handle) }) else { throw .badFileDescriptor }
        return file
    }

    /// The kernel's open flags as the host open gets them. With writeback caching the kernel may read through
    /// a write-only handle and sends writes at its own offsets, so write-only becomes read-write and `O_APPEND`
    /// is dropped (as libfuse's passthrough does).
    private func hostFlags(_ flags: OpenFlags) -> OpenFlags {
        var flags = flags
        if writebackEnabled.load(ordering: .relaxed) {
            if flags.rawValue & OpenFlags.accessModeMask == OpenFlags.writeOnly.rawValue {
                flags = OpenFlags(rawValue: (flags.rawValue & ~OpenFlags.accessModeMask) | OpenFlags.readWrite.rawValue)
            }
            flags.remove(.append)
        }
        return flags
    }
}
