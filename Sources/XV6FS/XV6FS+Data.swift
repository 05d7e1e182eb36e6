import BentoKit
import BentoServices

// Open files and their bytes: open, read, write, fsync, release. There is no flush: nothing is due at close
// (durability is fsync's business), so the default ENOSYS tells the kernel to stop sending FLUSH.
//
// Writes run in pieces of at most `writePiece` bytes, each in its own journal handle, so a data=journal write
// of any size never outgrows a transaction. fsync and fdatasync commit the transaction that last changed the
// file (group commit: concurrent fsyncs share one commit); in data=ordered mode the data is already home and the
// commit's first flush makes it durable, or a plain flush does when no metadata changed.

extension XV6FS {
    /// Bytes one journal handle of a write covers.
    static let writePiece = 256 * 1024

    /// Opens a file: read and write permission as the access mode asks, `EISDIR` for a directory opened for
    /// writing, `EROFS` for writing on a read-only mount, truncation for `O_TRUNC`.
    public func open(_ request: Request, inode: Inode, flags: OpenFlags) throws(Errno) -> OpenReply {
        let object = try object(inode)
        if flags.isWritable || flags.contains(.truncate), readOnly.load(ordering: .relaxed) { throw .readOnlyFileSystem }
        return try open(object, flags: flags, for: request)
    }

    /// Reads up to `size` bytes; fewer at the end of the file, holes as zeros.
    public func read(_ request: Request, inode: Inode, handle: FileHandle, offset: UInt64, size: UInt32) throws(Errno) -> [UInt8] {
        let file = try handles.withLock { (table: inout HandleTable) throws(Errno) -> OpenFile in try table.file(handle, on: inode) }
        guard file.flags.isReadable || kernelCachesWrites.load(ordering: .relaxed) else { throw .badFileDescriptor }
        let object = try object(inode)
        let disk = object.disk
        guard disk.mode.isRegular else { throw disk.mode.isDirectory ? .isDirectory : .invalidArgument }
        let bytes = try data.read(disk, at: offset, count: size)
        accessed(object)
        logAccess(.read(inode: inode, handle: handle, offset: offset, count: bytes.count), by: request)
        return bytes
    }

    /// Writes `data` at `offset` (at the end for `O_APPEND` when the kernel does not cache writes). Clears set-id
    /// bits for non-root writers; sets mtime and ctime. A write cut short by a full disk (full even after a
    /// checkpoint made the blocks freed since the last one reusable) or by the maximum file size returns what it
    /// wrote (`EFBIG` when it starts at or past that size); under the writeback cache it
    /// fails with `ENOSPC` or `EFBIG` instead, as the kernel ignores a short count for the pages it writes back.
    public func write(_ request: Request, inode: Inode, handle: FileHandle, offset: UInt64, data bytes: Span<UInt8>,
                      flags: OpenFlags) throws(Errno) -> UInt32 {
        let file = try handles.withLock { (table: inout HandleTable) throws(Errno) -> OpenFile in try table.file(handle, on: inode) }
        guard file.flags.isWritable else { throw .badFileDescriptor }
        let object = try object(inode)
        guard object.disk.mode.isRegular else { throw .badFileDescriptor }
        try object.disk.inodeFlags.checkWrite(flags: flags)
        let appends = flags.contains(.append) && !kernelCachesWrites.load(ordering: .relaxed)  // the write's flags: fcntl may change them
        let bytes = bytes.extracting(first: Int(UInt32.max))  // what the answer can count; Linux cuts one write shorter still
        var written = 0
        var position = offset
        let fileHandle = handle
        prepareLog(for: request)
        while written < bytes.count {
            let piece = bytes.extracting(written..<min(bytes.count, written + Self.writePiece))
            let count: Int
            do {
                count = try changing { (handle: Handle) throws(Errno) -> Int in
                    try withLocks([object]) { () throws(Errno) -> Int in
                        if appends, written == 0 { position = object.disk.size }
                        let count = try writeLocked(piece, to: object, at: position, for: request, handle)
                        logChange(.wrote(inode: inode, handle: fileHandle, offset: position, count: count), by: request, handle)
                        return count
                    }
                }
            } catch .noSpace where written > 0 {
                break  // full after some bytes: the count says how many
            }
            written += count
            position += UInt64(count)
            if count < piece.count {
                // The disk filled inside the piece. Blocks freed since the last checkpoint are not reused before one
                // (Allocator): make them free and go on, rather than answer a short count the disk did not force.
                guard position < Format.maximumFileSize, allocator.hasPendingFrees,
                      !journal.held.load(ordering: .acquiring) else { break }  // no I/O in an upgrade's pause
                try journal.checkpoint()
            }
        }
        // A write of the kernel's cached pages (the writeback cache) cannot be cut short: the kernel does not read
        // the count and would drop the rest without a word, and an fsync would then succeed. Say why it stopped
        // instead, so the writer's fsync or close reports it.
        if written < bytes.count, kernelCachesWrites.load(ordering: .relaxed) {
            throw position >= Format.maximumFileSize ? .fileTooLarge : .noSpace
        }
        return UInt32(written)
    }

    /// Writes into `object` at `offset` and updates size, times and set-id bits: the shared path of write and
    /// fallocate's zeroing. Call with the change lock held.
    func writeLocked(_ bytes: Span<UInt8>, to object: CachedInode, at offset: UInt64, for request: Request,
                     _ handle: Handle) throws(Errno) -> Int {
        guard offset < Format.maximumFileSize else { throw .fileTooLarge }
        let bytes = bytes.extracting(first: Int(min(UInt64(bytes.count), Format.maximumFileSize - offset)))
        let now = clock.now()
        return try table.change(object, handle) { (disk: inout DiskInode) throws(Errno) -> Int in
            let count = try data.write(&disk, bytes, at: offset, handle)
            disk.size = max(disk.size, offset + UInt64(count))
            disk.modificationTime = now
            disk.changeTime = now
            if !request.isRoot { disk.mode = disk.ownership.modeWithoutSetID }
            return count
        }
    }

    /// Makes the file's data and metadata durable (fdatasync is the same here: the size and block map are
    /// metadata it must keep too).
    public func fsync(_ request: Request, inode: Inode, handle: FileHandle, dataOnly: Bool) throws(Errno) {
        guard !journal.held.load(ordering: .acquiring) else { throw .retryAfterUpgrade }  // see `beginUpgrade`
        let object = try object(inode)
        let sequence = object.state.withLock { $0.lastTransaction }
        if try !journal.commit(through: sequence) { try device.flush() }
    }

    /// Closes the handle; an unlinked file with no other references is freed.
    public func release(_ request: Request, inode: Inode, handle: FileHandle, flags: OpenFlags) throws(Errno) {
        let file = try handles.withLock { (table: inout HandleTable) throws(Errno) -> OpenFile in
            let file = try table.file(handle, on: inode)
            table.close(handle)
            return file
        }
        logRelease(of: inode, handle: handle, readOnly: !file.flags.isWritable, by: request)
        guard let object = try? object(inode) else { return }
        object.state.withLock { $0.opens -= 1 }
        try releaseIfUnused(object)
    }

    /// Opens `object` for `request` after checking permissions, truncating for `O_TRUNC`.
    func open(_ object: CachedInode, flags: OpenFlags, for request: Request) throws(Errno) -> OpenReply {
        let disk = object.disk
        if disk.mode.isDirectory, flags.isWritable || flags.contains(.truncate) { throw .isDirectory }
        try disk.inodeFlags.checkOpen(flags)
        var mask: AccessMask = []
        if flags.isReadable { mask.insert(.read) }
        if flags.isWritable || flags.contains(.truncate) { mask.insert(.write) }
        try require(mask, on: disk, for: request)
        if flags.contains(.truncate), disk.mode.isRegular, disk.size > 0 {
            prepareLog(for: request)
            try changing { (handle: Handle) throws(Errno) in
                try withLocks([object]) { () throws(Errno) in
                    try truncateLocked(object, to: 0, for: request, handle)
                    logChange(.attributesChanged(inode: object.inode, changes: AttributeChanges(size: 0)), by: request, handle)
                }
            }
        }
        return OpenReply(handle: opened(object, flags: flags, for: request))
    }

    /// Records an open of `object` by `request`.
    func opened(_ object: CachedInode, flags: OpenFlags, for request: Request) -> FileHandle {
        object.state.withLock { $0.opens += 1 }
        let handle = handles.withLock { $0.open(object.inode, flags: flags) }
        if object.disk.mode.isRegular { logAccess(.opened(inode: object.inode, handle: handle, flags: flags), by: request) }
        return handle
    }

    /// Sets the size of `object`: shrinking frees the blocks past the end and zeroes the rest of the last block;
    /// growing leaves a hole. Sets mtime and ctime and clears set-id bits for non-root callers. Change lock held.
    func truncateLocked(_ object: CachedInode, to size: UInt64, for request: Request, _ handle: Handle) throws(Errno) {
        let now = clock.now()
        try table.change(object, handle) { (disk: inout DiskInode) throws(Errno) in
            if size < disk.size {
                let keep = (size + UInt64(Format.blockSize) - 1) / UInt64(Format.blockSize)
                try data.zeroTail(&disk, from: size, handle)  // first: it may fail on a full disk
                try map.free(&disk, keep..<Format.maximumFileSize / UInt64(Format.blockSize), handle)
            }
            disk.size = size
            disk.modificationTime = now
            disk.changeTime = now
            if !request.isRoot { disk.mode = disk.ownership.modeWithoutSetID }
        }
    }
}
