import BentoKit
import BentoServices

// Space and layout of open files: fallocate (allocate, keep-size, punch hole, zero range) and
// SEEK_DATA/SEEK_HOLE. Large ranges run in pieces, each in its own journal handle.

extension XV6FS {
    /// Blocks one journal handle of fallocate covers.
    static let allocationPiece: UInt64 = 64

    /// Allocates (mode 0, `KEEP_SIZE`), punches (`PUNCH_HOLE|KEEP_SIZE`) or zeroes (`ZERO_RANGE`, with or without
    /// `KEEP_SIZE`) a range. Collapse and insert are not supported (`EOPNOTSUPP`).
    public func fallocate(_ request: Request, inode: Inode, handle: FileHandle, offset: UInt64, length: UInt64,
                          mode: FallocateMode) throws(Errno) {
        let end = try mode.validatedRange(offset: offset, length: length, maximumSize: Format.maximumFileSize).upperBound
        let file = try handles.withLock { (table: inout HandleTable) throws(Errno) -> OpenFile in try table.file(handle, on: inode) }
        guard file.flags.isWritable else { throw .badFileDescriptor }
        let object = try object(inode)
        guard object.disk.mode.isRegular else { throw object.disk.mode.isDirectory ? .isDirectory : .operationNotSupportedByDevice }
        try object.disk.inodeFlags.checkFallocate(mode)
        let blockSize = UInt64(Format.blockSize)
        prepareLog(for: request)
        var start = offset
        var logged = false
        while start < end {
            if mode.contains(.punchHole) {  // a hole needs no punching: a huge punch costs what the file holds
                guard let data = try map.next(allocated: true, in: object.disk, from: start / blockSize,
                                              through: (end - 1) / blockSize) else { break }
                start = max(start, data * blockSize)
            }
            let stop = min(end, (start / blockSize + Self.allocationPiece) * blockSize)
            let range = start..<stop
            try changing { (handle: Handle) throws(Errno) in
                try withLocks([object]) { () throws(Errno) in
                    if mode.contains(.punchHole) || mode.contains(.zeroRange) { try punch(range, in: object, handle) }
                    if !mode.contains(.punchHole) { try allocate(range, in: object, for: request, handle) }
                    // Each piece commits on its own: its record goes with it.
                    logChange(.allocated(inode: inode, offset: range.lowerBound, length: range.upperBound - range.lowerBound, mode: mode),
                              by: request, handle)
                }
            }
            logged = true
            start = stop
        }
        let now = clock.now()
        try changing { (handle: Handle) throws(Errno) in
            try withLocks([object]) { () throws(Errno) in
                try table.change(object, handle) { (disk: inout DiskInode) in
                    if !mode.contains(.keepSize) { disk.size = max(disk.size, end) }
                    disk.modificationTime = now
                    disk.changeTime = now
                    if !request.isRoot { disk.mode = disk.ownership.modeWithoutSetID }  // as ext4's file_modified
                }
                if !logged { logChange(.allocated(inode: inode, offset: offset, length: length, mode: mode), by: request, handle) }
            }
        }
    }

    /// Makes `range` read as zeros: whole blocks are freed, partial ones zeroed where allocated.
    private func punch(_ range: Range<UInt64>, in object: CachedInode, _ handle: Handle) throws(Errno) {
        let blockSize = UInt64(Format.blockSize)
        let firstWhole = (range.lowerBound + blockSize - 1) / blockSize, endWhole = range.upperBound / blockSize
        try table.change(object, handle) { (disk: inout DiskInode) throws(Errno) in
            if firstWhole < endWhole { try map.free(&disk, firstWhole..<endWhole, handle) }
            let edges = [range.lowerBound..<min(range.upperBound, firstWhole * blockSize),
                         max(range.lowerBound, endWhole * blockSize)..<range.upperBound]
            for edge in edges where !edge.isEmpty && edge.lowerBound < disk.size {
                guard try map.lookup(disk, edge.lowerBound / blockSize) != 0 else { continue }
                let clipped = edge.lowerBound..<min(edge.upperBound, disk.size)
                _ = try data.write(&disk, [UInt8](repeating: 0, count: clipped.count).span, at: clipped.lowerBound, handle)
            }
        }
    }

    /// Allocates every hole in `range` as zeroed blocks (sizes and times are the caller's).
    private func allocate(_ range: Range<UInt64>, in object: CachedInode, for request: Request, _ handle: Handle) throws(Errno) {
        let blockSize = UInt64(Format.blockSize)
        let zeros = [UInt8](repeating: 0, count: Format.blockSize)
        try table.change(object, handle) { (disk: inout DiskInode) throws(Errno) in
            for index in range.lowerBound / blockSize..<(range.upperBound + blockSize - 1) / blockSize
            where try map.lookup(disk, index) == 0 {
                _ = try data.write(&disk, zeros.span, at: index * blockSize, handle)
            }
        }
    }

    /// Finds the next data (`SEEK_DATA`) or hole (`SEEK_HOLE`; the end counts as one) at or after `offset`;
    /// `ENXIO` at or past the end, or when no data follows.
    public func lseek(_ request: Request, inode: Inode, handle: FileHandle, offset: UInt64, whence: SeekWhence) throws(Errno) -> UInt64 {
        _ = try handles.withLock { (table: inout HandleTable) throws(Errno) -> OpenFile in try table.file(handle, on: inode) }
        let disk = try object(inode).disk
        guard disk.mode.isRegular else { throw .invalidArgument }
        guard whence == .data || whence == .hole else { throw .invalidArgument }
        guard offset < disk.size else { throw .noSuchAddressOrDevice }
        let blockSize = UInt64(Format.blockSize)
        guard let index = try map.next(allocated: whence == .data, in: disk, from: offset / blockSize,
                                       through: (disk.size - 1) / blockSize) else {
            guard whence == .hole else { throw .noSuchAddressOrDevice }
            return disk.size
        }
        return max(offset, index * blockSize)
    }
}
