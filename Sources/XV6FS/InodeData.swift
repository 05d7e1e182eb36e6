import BentoKit
import BentoServices

// File contents (xv6's readi and writei), many blocks per device call.
//
// data=ordered: data blocks bypass the buffer cache and the journal. A write goes straight to its home blocks,
// so it is on the device before the transaction that links new blocks in commits (whose first flush covers it);
// reads come straight from the device. Runs of consecutive disk blocks move in one device call. A freed block is
// not reused before a checkpoint (see Allocator), so no log copy can later overwrite new data.
// data=journal: data blocks are metadata: read through the cache, changed through the journal.
//
// Runs with the inode's change lock held for writes; reads need only a snapshot of the inode.

/// Reads and writes the bytes of regular files and symlink targets.
struct FileData: Sendable {
    let map: BlockMap
    let mode: DataMode

    private var device: any BlockDevice { map.journal.device }
    private var journal: Journal { map.journal }
    private static let blockSize = UInt64(Format.blockSize)
    /// A hole's block as read (appended from an array: one copy, fast in a debug build too).
    private static let zeroBlock = [UInt8](repeating: 0, count: Format.blockSize)

    /// Up to `count` bytes at `offset` (fewer at the end of the file); holes read as zeros.
    func read(_ inode: DiskInode, at offset: UInt64, count: UInt32) throws(Errno) -> [UInt8] {
        let range = Range<UInt64>.read(offset: offset, length: UInt64(count), size: inode.size)
        guard !range.isEmpty else { return [] }
        let first = offset / Self.blockSize, last = (range.upperBound - 1) / Self.blockSize
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(last - first + 1) * Format.blockSize)
        var index = first
        while index <= last {
            let block = try map.lookup(inode, index)
            guard block != 0 else {
                bytes.append(contentsOf: Self.zeroBlock)
                index += 1
                continue
            }
            var run: UInt64 = 1
            while index + run <= last, mode == .ordered, run < 256,
                  try map.lookup(inode, index + run) == block + UInt32(run) { run += 1 }
            bytes += try readBlocks(block, count: Int(run))
            index += run
        }
        let skip = Int(offset - first * Self.blockSize)
        if skip == 0, bytes.count == range.count { return bytes }  // a whole-block read: no second copy
        return Array(bytes[skip..<skip + range.count])
    }

    /// Writes `data` at `offset`, allocating blocks as needed (next to the previous block of the file).
    /// Returns the bytes written: all of them, or fewer when the disk filled up after some were written
    /// (`ENOSPC` when none were). Does not change the size or times; the caller does.
    func write(_ inode: inout DiskInode, _ data: Span<UInt8>, at offset: UInt64, _ handle: Handle) throws(Errno) -> Int {
        guard !data.isEmpty else { return 0 }
        let end = offset + UInt64(data.count)
        guard end <= Format.maximumFileSize else { throw .fileTooLarge }
        var pending: (start: UInt32, bytes: [UInt8])?
        var written = 0
        var index = offset / Self.blockSize
        var goal: UInt64? = index > 0 ? UInt64(try map.lookup(inode, index - 1)).nonZero.map { $0 + 1 } : nil
        while index * Self.blockSize < end {
            let blockStart = index * Self.blockSize
            let lower = max(offset, blockStart), upper = min(end, blockStart + Self.blockSize)
            let mapped: (block: UInt32, isNew: Bool)
            do {
                mapped = try map.map(&inode, index, goal: goal, handle)
            } catch .noSpace where written > 0 {
                break
            }
            var contents: [UInt8]
            let piece = data.extracting(Int(lower - offset)..<Int(upper - offset))
            if upper - lower == Self.blockSize {
                contents = Array(copying: piece)
            } else {
                contents = mapped.isNew ? [UInt8](repeating: 0, count: Format.blockSize) : try readBlocks(mapped.block, count: 1)
                contents.overwrite(at: Int(lower - blockStart), with: piece)
            }
            if let run = pending, run.start + UInt32(run.bytes.count / Format.blockSize) == mapped.block, run.bytes.count < 1 << 20 {
                pending?.bytes += contents
            } else {
                if let run = pending { try writeBlocks(run.start, run.bytes, handle) }
                pending = (mapped.block, contents)
            }
            written = Int(upper - offset)
            goal = UInt64(mapped.block) + 1
            index += 1
        }
        if let run = pending { try writeBlocks(run.start, run.bytes, handle) }
        return written
    }

    /// Zeroes the bytes of the block holding `size` that lie past it, so a later extension reads zeros; the
    /// caller is shrinking the file to `size`. In data=ordered mode the zeroed block goes to a new place (its
    /// pointer changes in the caller's transaction): zeroing it in place would reach the device before the
    /// shrink commits, and a crash in between would show the old size with zeros in it.
    func zeroTail(_ inode: inout DiskInode, from size: UInt64, _ handle: Handle) throws(Errno) {
        let within = Int(size % Self.blockSize)
        let index = size / Self.blockSize
        guard within != 0 else { return }
        let block = try map.lookup(inode, index)
        guard block != 0 else { return }
        var contents = try readBlocks(block, count: 1)
        contents.replaceSubrange(within..., with: repeatElement(0, count: Format.blockSize - within))
        switch mode {
        case .ordered: try writeBlocks(try map.relocate(&inode, index, handle), contents, handle)
        case .journal: try writeBlocks(block, contents, handle)
        }
    }

    /// `count` consecutive data blocks from `start`.
    private func readBlocks(_ start: UInt32, count: Int) throws(Errno) -> [UInt8] {
        let first = BlockNumber(UInt64(start))
        switch mode {
        case .ordered: return count == 1 ? try device.read(first) : try device.read(first, count: count)
        case .journal: return try journal.read(first)
        }
    }

    /// Writes consecutive data blocks from `start`: home directly (ordered) or through the journal.
    private func writeBlocks(_ start: UInt32, _ bytes: [UInt8], _ handle: Handle) throws(Errno) {
        switch mode {
        case .ordered:
            try device.write(startingAt: BlockNumber(UInt64(start)), bytes)
        case .journal:
            for offset in stride(from: 0, to: bytes.count, by: Format.blockSize) {
                let block = BlockNumber(UInt64(start) + UInt64(offset / Format.blockSize))
                try journal.initialize(block, handle, to: Array(bytes[offset..<offset + Format.blockSize]))
            }
        }
    }
}

extension UInt64 {
    /// The value, or nil when it is zero.
    var nonZero: UInt64? { self == 0 ? nil : self }
}
