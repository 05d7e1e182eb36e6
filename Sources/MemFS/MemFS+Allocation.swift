import BentoKit

// Space and layout of open files: fallocate, SEEK_DATA/SEEK_HOLE, copy_file_range.

extension MemFS {
    /// The most copy_file_range copies in one call; callers loop for more, as they must on Linux.
    static let maximumCopyLength: UInt64 = 1 << 30
    /// How much copy_file_range moves per turn of the lock.
    static let copyPieceLength: UInt64 = 1 << 20

    /// Allocates (mode 0, `KEEP_SIZE`), punches (`PUNCH_HOLE|KEEP_SIZE`) or zeroes (`ZERO_RANGE`, with or
    /// without `KEEP_SIZE`) a range. Collapse and insert are not supported (`EOPNOTSUPP`).
    public func fallocate(_ request: Request, inode: Inode, handle: FileHandle, offset: UInt64, length: UInt64,
                          mode: FallocateMode) throws(Errno) {
        let range = try mode.validatedRange(offset: offset, length: length, maximumSize: FileContents.maximumSize)
        let now = clock.now()
        try modifying { (state: inout State) throws(Errno) in
            guard try state.openFile(handle, on: inode).flags.isWritable else { throw .badFileDescriptor }
            let node = try state.regularFile(inode)
            try node.flags.checkFallocate(mode)
            let growsTo = mode.contains(.keepSize) ? node.contents.size : max(node.contents.size, range.upperBound)
            node.clearSetIDAfterChange(by: request)  // every mode, as ext4's file_modified does
            if mode.contains(.punchHole) {
                try state.changeContents(of: node) { $0.punchHole(range) }
            } else {
                let needed = node.contents.bytesNeeded(toAllocate: range)
                try state.changeContents(of: node, allocating: needed) { contents in
                    if mode.contains(.zeroRange) { contents.punchHole(range) }
                    contents.allocate(range)
                    contents.extend(toSize: growsTo)
                }
                guard mode.contains(.zeroRange) || growsTo != node.contents.size else { return }
            }
            node.contentsChanged(at: now)
        }
    }

    /// Finds the next data (`SEEK_DATA`) or hole (`SEEK_HOLE`; the end of the file counts as one) at or after
    /// `offset`; `ENXIO` at or past the end, or when no data follows. Other kinds of seek are the kernel's
    /// (`EINVAL`).
    public func lseek(_ request: Request, inode: Inode, handle: FileHandle, offset: UInt64, whence: SeekWhence) throws(Errno) -> UInt64 {
        try locked { (state: inout State) throws(Errno) -> UInt64 in
            _ = try state.openFile(handle, on: inode)
            let contents = try state.regularFile(inode).contents
            guard whence == .data || whence == .hole else { throw .invalidArgument }
            guard offset < contents.size else { throw .noSuchAddressOrDevice }
            if whence == .hole { return min(contents.holeOffset(from: offset), contents.size) }
            guard let data = contents.dataOffset(from: offset), data < contents.size else { throw .noSuchAddressOrDevice }
            return data
        }
    }

    /// Copies up to `length` bytes (at most 1 GiB a call) from one open file to another; the source's holes
    /// stay holes in the destination.
    /// Works 1 MiB at a time, taking the lock for each piece. `EBADF` for handles of the wrong access mode, `EINVAL` for
    /// nonzero flags or overlapping ranges of one file, `EOVERFLOW` when either range would end past `UInt64.max`
    /// (as `generic_copy_file_checks`), `EFBIG` when the destination starts at the size limit (a copy crossing it
    /// is shortened, as a write is).
    public func copyFileRange(_ request: Request, from source: Inode, handle sourceHandle: FileHandle, offset sourceOffset: UInt64,
                              to destination: Inode, handle destinationHandle: FileHandle, offset destinationOffset: UInt64,
                              length: UInt64, flags: UInt64) throws(Errno) -> UInt64 {
        guard flags == 0 else { throw .invalidArgument }
        guard !sourceOffset.addingReportingOverflow(length).overflow,
              !destinationOffset.addingReportingOverflow(length).overflow else { throw .overflow }
        guard destinationOffset < FileContents.maximumSize else { throw .fileTooLarge }
        let total = min(length, Self.maximumCopyLength, FileContents.maximumSize - destinationOffset)
        if source == destination, sourceOffset < destinationOffset + total, destinationOffset < sourceOffset + total {
            throw .invalidArgument
        }
        var copied: UInt64 = 0
        while copied < total {
            let piece = try copyPiece(request, from: source, handle: sourceHandle, offset: sourceOffset + copied,
                                      to: destination, handle: destinationHandle, offset: destinationOffset + copied,
                                      length: min(Self.copyPieceLength, total - copied))
            guard piece > 0 else { break }
            copied += piece
        }
        return copied
    }

    /// Copies one piece of a copy_file_range; returns 0 at the source's end of file.
    private func copyPiece(_ request: Request, from source: Inode, handle sourceHandle: FileHandle, offset sourceOffset: UInt64,
                           to destination: Inode, handle destinationHandle: FileHandle, offset destinationOffset: UInt64,
                           length: UInt64) throws(Errno) -> UInt64 {
        let snapshot = try locked { (state: inout State) throws(Errno) -> ReadSnapshot in
            guard try state.openFile(sourceHandle, on: source).flags.isReadable,
                  try state.openFile(destinationHandle, on: destination).flags.isWritable else { throw .badFileDescriptor }
            _ = try state.regularFile(destination)
            return try state.regularFile(source).contents.snapshot(offset: sourceOffset, count: length)
        }
        guard snapshot.count > 0 else { return 0 }
        let now = clock.now()
        return try modifying { (state: inout State) throws(Errno) -> UInt64 in
            let node = try state.regularFile(destination)
            try node.flags.checkWrite(flags: [])  // a copy never appends
            let range = try Range<UInt64>.written(offset: destinationOffset, length: snapshot.count,
                                                  maximumSize: FileContents.maximumSize)
            try state.changeContents(of: node) { contents in
                contents.punchHole(range)
                contents.extend(toSize: range.upperBound)
            }
            for segment in snapshot.segments() {
                _ = try state.write(segment.bytes.span, to: node, at: destinationOffset + (segment.offset - sourceOffset),
                                    for: request, now: now)
            }
            node.contentsChanged(at: now)
            node.clearSetIDAfterChange(by: request)
            return snapshot.count
        }
    }
}
