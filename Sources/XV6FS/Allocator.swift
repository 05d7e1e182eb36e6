import BentoKit
import BentoServices
import Synchronization

// The bitmap layer: allocating and freeing blocks and inodes.
//
// What it offers: `allocateBlock(near:)` (next-fit from a goal, so a growing file's blocks follow each other),
// `freeBlock`, `allocateInode`, `freeInode`, and the counts statfs reports. The bitmaps are loaded into memory
// at mount and decide every allocation; each change is also made to the on-disk bitmap block through the
// journal, in the caller's transaction.
//
// A freed block is not handed out again until a checkpoint has written home the transaction that freed it:
// until then the log may hold an older copy of it that replay would write over its new contents (the job
// JBD2's revoke records do). A checkpoint made to free log space in the middle of a commit does not cover the
// transaction being committed, nor its frees.
//
// Locking: `state` is held only for the in-memory decision, never across I/O.

/// The free-space maps of one mounted file system.
final class Allocator: Sendable {
    /// A bitmap in memory: bit set = in use.
    struct Bitmap: Sendable {
        var words: [UInt64]
        let count: UInt64
        var used: UInt64 = 0

        init(count: UInt64) {
            self.count = count
            words = Array(repeating: 0, count: Int((count + 63) / 64))
        }

        func isSet(_ bit: UInt64) -> Bool { bit < count && words[Int(bit / 64)] & (1 << (bit % 64)) != 0 }
        /// Whether every bit below `end` is set (a word at a time).
        func allSet(below end: UInt64) -> Bool {
            guard end <= count else { return false }
            let whole = Int(end / 64)
            return words[..<whole].allSatisfy { $0 == .max } && (whole * 64..<Int(end)).allSatisfy { isSet(UInt64($0)) }
        }

        mutating func set(_ bit: UInt64, _ value: Bool) {
            guard bit < count, isSet(bit) != value else { return }
            if value { words[Int(bit / 64)] |= 1 << (bit % 64) } else { words[Int(bit / 64)] &= ~(1 << (bit % 64)) }
            used = value ? used + 1 : used - 1
        }

        /// The first clear bit at or after `goal`, wrapping around, within `range`.
        func firstClear(from goal: UInt64, in range: Range<UInt64>) -> UInt64? {
            guard !range.isEmpty else { return nil }
            let begin = min(max(goal, range.lowerBound), range.upperBound - 1)
            return scan(begin..<range.upperBound) ?? scan(range.lowerBound..<begin)
        }

        private func scan(_ range: Range<UInt64>) -> UInt64? {
            var bit = range.lowerBound
            while bit < range.upperBound {
                let word = words[Int(bit / 64)] | ((1 << (bit % 64)) - 1)
                if word != .max {
                    let found = bit / 64 * 64 + UInt64((~word).trailingZeroBitCount)
                    return found < range.upperBound ? found : nil
                }
                bit = (bit / 64 + 1) * 64
            }
            return nil
        }
    }

    struct State: Sendable {
        var blocks: Bitmap
        var inodes: Bitmap
        var blockCursor: UInt64
        var inodeCursor: UInt64 = 2
        /// Blocks freed and not reusable yet, each with the transaction that freed it.
        var pendingFrees: [(block: UInt64, transaction: UInt64)] = []
        /// `Journal.checkpointedThrough` when `pendingFrees` was last sorted out.
        var releasedThrough: UInt64 = 0

        /// Makes the blocks freed in transactions up to `through` reusable.
        mutating func release(through: UInt64) {
            guard through > releasedThrough, !pendingFrees.isEmpty else { return }
            var kept: [(block: UInt64, transaction: UInt64)] = []
            for free in pendingFrees {
                if free.transaction <= through { blocks.set(free.block, false) } else { kept.append(free) }
            }
            pendingFrees = kept
            releasedThrough = through
        }
    }

    let superblock: Superblock
    let journal: Journal
    let state: Mutex<State>

    /// Loads both bitmaps from the device (through the journal's cache).
    init(superblock: Superblock, journal: Journal) throws(Errno) {
        self.superblock = superblock
        self.journal = journal
        let blocks = try Self.loadBitmap(bits: superblock.blockCount, at: superblock.blockBitmapStart,
                                         blocks: superblock.blockBitmapBlocks, journal)
        let inodes = try Self.loadBitmap(bits: superblock.inodeCount, at: superblock.inodeBitmapStart,
                                         blocks: superblock.inodeBitmapBlocks, journal)
        let state = State(blocks: blocks, inodes: inodes, blockCursor: superblock.dataStart)
        self.state = Mutex(state)
    }

    /// A bitmap of `bits` bits read from `blocks` blocks at `start`.
    private static func loadBitmap(bits: UInt64, at start: UInt64, blocks: UInt64, _ journal: Journal) throws(Errno) -> Bitmap {
        var bitmap = Bitmap(count: bits)
        let wordsPerBlock = Format.blockSize / 8
        for index in 0..<Int(blocks) where index * wordsPerBlock < bitmap.words.count {
            let bytes = try journal.read(BlockNumber(start + UInt64(index)))
            for word in 0..<min(wordsPerBlock, bitmap.words.count - index * wordsPerBlock) {
                bitmap.words[index * wordsPerBlock + word] = bytes.load(UInt64.self, at: word * 8)
            }
        }
        if bits % 64 != 0 {  // bits past the end are not counted, whatever the disk holds
            bitmap.words[bitmap.words.count - 1] &= (1 << (bits % 64)) - 1
        }
        bitmap.used = bitmap.words.reduce(0) { $0 + UInt64($1.nonzeroBitCount) }
        return bitmap
    }

    // MARK: Blocks

    /// Allocates a data block, preferring `goal` and the blocks after it; `ENOSPC` when none is free.
    func allocateBlock(near goal: UInt64?, _ handle: Handle) throws(Errno) -> UInt32 {
        let through = journal.checkpointedThrough.load(ordering: .acquiring)
        let found = state.withLock { state -> UInt64? in
            state.release(through: through)
            let range = superblock.dataStart..<superblock.blockCount
            guard let block = state.blocks.firstClear(from: goal ?? state.blockCursor, in: range) else { return nil }
            state.blocks.set(block, true)
            state.blockCursor = block + 1
            return block
        }
        guard let found else { throw .noSpace }
        try setBit(found, true, inBitmapAt: superblock.blockBitmapStart, handle)
        return UInt32(found)
    }

    /// Frees a data block (reusable once a checkpoint has written home the handle's transaction).
    func freeBlock(_ block: UInt32, _ handle: Handle) throws(Errno) {
        guard superblock.isDataBlock(block) else { return }
        state.withLock { $0.pendingFrees.append((UInt64(block), handle.sequence)) }
        try setBit(UInt64(block), false, inBitmapAt: superblock.blockBitmapStart, handle)
    }

    /// True when freed blocks wait for a checkpoint before they can be reused.
    var hasPendingFrees: Bool { state.withLock { !$0.pendingFrees.isEmpty } }

    /// Blocks freed but not reusable yet (handed over at an upgrade: the log may still hold older copies).
    /// Set on the successor, they wait for a checkpoint of its first transaction.
    var pendingFrees: [UInt64] {
        get { state.withLock { $0.pendingFrees.map(\.block) } }
        set {
            let transaction = journal.running.withLock { $0.sequence }
            state.withLock { state in
                for block in newValue where block < state.blocks.count { state.blocks.set(block, true) }
                state.pendingFrees = newValue.map { ($0, transaction) }
            }
        }
    }

    // MARK: Inodes

    /// Allocates an inode number (next-fit); `ENOSPC` when none is free.
    func allocateInode(_ handle: Handle) throws(Errno) -> UInt32 {
        let found = state.withLock { state -> UInt64? in
            guard let number = state.inodes.firstClear(from: state.inodeCursor, in: 2..<superblock.inodeCount) else {
                return nil
            }
            state.inodes.set(number, true)
            state.inodeCursor = number + 1
            return number
        }
        guard let found else { throw .noSpace }
        try setBit(found, true, inBitmapAt: superblock.inodeBitmapStart, handle)
        return UInt32(found)
    }

    /// Frees an inode number.
    func freeInode(_ number: UInt32, _ handle: Handle) throws(Errno) {
        state.withLock { $0.inodes.set(UInt64(number), false) }
        try setBit(UInt64(number), false, inBitmapAt: superblock.inodeBitmapStart, handle)
    }

    /// Free blocks and inodes now (blocks waiting for a checkpoint count as free).
    var freeCounts: (blocks: UInt64, inodes: UInt64) {
        state.withLock { state in
            (state.blocks.count - state.blocks.used + UInt64(state.pendingFrees.count),
             state.inodes.count - state.inodes.used)
        }
    }

    /// Sets or clears `bit` in the on-disk bitmap starting at block `start`, in `handle`'s transaction.
    private func setBit(_ bit: UInt64, _ value: Bool, inBitmapAt start: UInt64, _ handle: Handle) throws(Errno) {
        let block = BlockNumber(start + bit / UInt64(Format.bitsPerBlock))
        let byte = Int(bit % UInt64(Format.bitsPerBlock) / 8), mask = UInt8(1 << (bit % 8))
        try journal.update(block, handle) { bytes in
            if value { bytes[byte] |= mask } else { bytes[byte] &= ~mask }
        }
    }
}
