import BentoKit

// Open files and their bytes: open, read, write, flush, fsync, release.
//
// Reads take the needed chunks under the lock and copy them into the reply after releasing it. Writes copy
// into the chunks with the lock held (at most the kernel's largest write, 1 MiB).

extension MemFS {
    /// Opens a file: read and write permission as the access mode asks (`O_TRUNC` needs write), `EISDIR` for
    /// a directory opened for writing, `EROFS` for writing on a read-only mount. `O_TRUNC` truncates here,
    /// since the host negotiates atomic `O_TRUNC`.
    public func open(_ request: Request, inode: Inode, flags: OpenFlags) throws(Errno) -> OpenReply {
        let now = clock.now()
        return try locked { (state: inout State) throws(Errno) -> OpenReply in
            let node = try state.node(inode)
            if flags.isWritable || flags.contains(.truncate), state.isReadOnly { throw .readOnlyFileSystem }
            return try state.open(node, flags: flags, for: request, now: now)
        }
    }

    /// Reads up to `size` bytes; fewer at the end of the file, holes as zeros. `EBADF` on a write-only handle
    /// unless the kernel's writeback cache is on (it then reads through any handle).
    public func read(_ request: Request, inode: Inode, handle: FileHandle, offset: UInt64, size: UInt32) throws(Errno) -> [UInt8] {
        try snapshot(inode: inode, handle: handle, offset: offset, size: size).bytes()
    }

    /// Reads straight into the host's reply buffer (no array in between).
    public func read(_ request: Request, inode: Inode, handle: FileHandle, offset: UInt64, size: UInt32,
                     into output: inout OutputSpan<UInt8>) throws(Errno) {
        try snapshot(inode: inode, handle: handle, offset: offset, size: size).write(into: &output)
    }

    /// The chunks a read of `size` bytes at `offset` through `handle` needs, taken under the lock (the bytes are
    /// copied out after it); the read is an access. `EBADF` for a handle not open for reading (unless the kernel
    /// caches writes).
    private func snapshot(inode: Inode, handle: FileHandle, offset: UInt64, size: UInt32) throws(Errno) -> ReadSnapshot {
        let now = clock.now()
        return try locked { (state: inout State) throws(Errno) -> ReadSnapshot in
            let file = try state.openFile(handle, on: inode)
            guard file.flags.isReadable || state.writebackCache else { throw .badFileDescriptor }
            let node = try state.regularFile(inode)
            state.accessed(node, at: now, under: options.accessTimes)
            return node.contents.snapshot(offset: offset, count: UInt64(size))
        }
    }

    /// Writes `data` at `offset`, or at the end of the file for `O_APPEND` in the write's `flags` when the kernel
    /// does not cache writes. Clears set-id bits when the writer is not root; sets mtime and ctime.
    /// `EBADF` on a read-only handle, `EFBIG` at the size limit (a write crossing it is shortened), `ENOSPC`.
    /// Writes at most `UInt32.max` bytes, the most a reply can count.
    public func write(_ request: Request, inode: Inode, handle: FileHandle, offset: UInt64, data: Span<UInt8>,
                      flags: OpenFlags) throws(Errno) -> UInt32 {
        let now = clock.now()
        return try modifying { (state: inout State) throws(Errno) -> UInt32 in
            let file = try state.openFile(handle, on: inode)
            guard file.flags.isWritable else { throw .badFileDescriptor }
            let node = try state.regularFile(inode)
            try node.flags.checkWrite(flags: flags)
            let appends = flags.contains(.append) && !state.writebackCache  // the write's flags: fcntl may change them
            let written = try state.write(data.extracting(first: Int(UInt32.max)), to: node,
                                          at: appends ? node.contents.size : offset, for: request, now: now)
            return UInt32(written)
        }
    }

    /// Nothing to make durable: MemFS keeps nothing beyond memory.
    public func fsync(_ request: Request, inode: Inode, handle: FileHandle, dataOnly: Bool) throws(Errno) {}

    /// Closes the handle; an unlinked file with no other references is freed.
    public func release(_ request: Request, inode: Inode, handle: FileHandle, flags: OpenFlags) throws(Errno) {
        try locked { (state: inout State) throws(Errno) in try state.close(handle, on: inode) }
    }
}

extension MemFS.State {
    /// Opens `node` for `request` after checking permissions, truncating for `O_TRUNC`.
    mutating func open(_ node: Node, flags: OpenFlags, for request: Request, now: Timestamp) throws(Errno) -> OpenReply {
        if node.isDirectory, flags.isWritable || flags.contains(.truncate) { throw .isDirectory }
        try node.flags.checkOpen(flags)
        var mask: AccessMask = []
        if flags.isReadable { mask.insert(.read) }
        if flags.isWritable || flags.contains(.truncate) { mask.insert(.write) }
        try require(mask, on: node, for: request)
        if flags.contains(.truncate), node.type == .regular {
            try changeContents(of: node) { $0.truncate(to: 0) }
            node.contentsChanged(at: now)
            node.clearSetIDAfterChange(by: request)
        }
        return OpenReply(handle: open(node, flags: flags))
    }

    /// Writes `data` into `node` at `offset`: the shared path of write and copy_file_range.
    /// Returns the bytes written (shortened at the size limit).
    mutating func write(_ data: Span<UInt8>, to node: Node, at offset: UInt64, for request: Request,
                        now: Timestamp) throws(Errno) -> UInt64 {
        guard !data.isEmpty else { return 0 }
        guard offset < FileContents.maximumSize else { throw .fileTooLarge }
        let count = min(UInt64(data.count), FileContents.maximumSize - offset)
        let needed = node.contents.bytesNeeded(toAllocate: offset..<offset + count)
        try changeContents(of: node, allocating: needed) { [freshChunks] in $0.write(data.extracting(first: Int(count)), at: offset, fresh: freshChunks) }
        node.contentsChanged(at: now)
        node.clearSetIDAfterChange(by: request)
        return count
    }
}
