import BentoKit
import BentoServices

// The block map of an inode (xv6's bmap and itrunc): which disk block holds a file's n-th block, allocating
// on demand, and freeing ranges (truncate, punch hole, unlink). Pointers read from disk are checked against the
// data area before use: a corrupted pointer is EIO, never a wild write.
//
// Runs with the inode's change lock held (or on an inode nobody else can reach); indirect blocks change through
// the journal in the caller's transaction.

/// Maps and frees the blocks of inodes.
struct BlockMap: Sendable {
    let superblock: Superblock
    let journal: Journal
    let allocator: Allocator

    private static let fanout = UInt64(Format.pointersPerBlock)
    /// The first logical block mapped by each level of indirection (single, double, triple), and its span.
    private static let levels: [(slot: Int, base: UInt64, depth: Int)] = [
        (Format.directPointers, UInt64(Format.directPointers), 1),
        (Format.directPointers + 1, UInt64(Format.directPointers) + fanout, 2),
        (Format.directPointers + 2, UInt64(Format.directPointers) + fanout + fanout * fanout, 3),
    ]

    /// Logical blocks one entry of an indirect block covers at `depth` (1 = it points at data).
    private static func span(_ depth: Int) -> UInt64 { depth <= 1 ? 1 : fanout * span(depth - 1) }

    /// The inode slot and the indirect-block indices leading to logical block `index`, or nil past the maximum.
    static func path(_ index: UInt64) -> (slot: Int, indices: [Int])? {
        if index < UInt64(Format.directPointers) { return (Int(index), []) }
        for level in levels where index < level.base + span(level.depth + 1) {
            var rest = index - level.base
            var indices: [Int] = []
            for depth in stride(from: level.depth, through: 1, by: -1) {
                indices.append(Int(rest / span(depth)))
                rest %= span(depth)
            }
            return (level.slot, indices)
        }
        return nil
    }

    /// A pointer read from disk, checked: 0 (a hole) or a block of the data area; anything else is EIO.
    private func checked(_ pointer: UInt32) throws(Errno) -> UInt32 {
        guard pointer == 0 || superblock.isDataBlock(pointer) else { throw .ioError }
        return pointer
    }

    /// The disk block holding logical block `index` of `inode`, or 0 for a hole.
    func lookup(_ inode: DiskInode, _ index: UInt64) throws(Errno) -> UInt32 {
        guard let path = Self.path(index) else { return 0 }
        var block = try checked(inode.pointers[path.slot])
        for entry in path.indices where block != 0 {
            block = try checked(try journal.read(BlockNumber(UInt64(block))).load(UInt32.self, at: 4 * entry))
        }
        return block
    }

    /// The disk block for logical block `index`, allocating it (and the indirect blocks above it) when missing.
    /// New indirect blocks are zeroed in the journal; a new data block is the caller's to fill. `isNew` says
    /// whether the data block was just allocated.
    func map(_ inode: inout DiskInode, _ index: UInt64, goal: UInt64?, _ handle: Handle) throws(Errno) -> (block: UInt32, isNew: Bool) {
        guard let path = Self.path(index) else { throw .fileTooLarge }
        var block = try checked(inode.pointers[path.slot])
        var isNew = false
        if block == 0 {
            block = try allocateBlock(near: goal, indirect: !path.indices.isEmpty, handle)
            inode.pointers[path.slot] = block
            inode.blocks += 1
            isNew = true
        }
        for (depth, entry) in path.indices.enumerated() {
            let table = block
            block = try checked(try journal.read(BlockNumber(UInt64(table))).load(UInt32.self, at: 4 * entry))
            isNew = block == 0
            if block == 0 {
                block = try allocateBlock(near: goal, indirect: depth < path.indices.count - 1, handle)
                inode.blocks += 1
                let pointer = block
                try journal.update(BlockNumber(UInt64(table)), handle) { $0.store(pointer, at: 4 * entry) }
            }
        }
        return (block, isNew)
    }

    /// Moves mapped logical block `index` to a newly allocated block and frees the old one, returning the new
    /// block (the caller fills it). A full disk throws before anything changed.
    func relocate(_ inode: inout DiskInode, _ index: UInt64, _ handle: Handle) throws(Errno) -> UInt32 {
        guard let path = Self.path(index) else { throw .fileTooLarge }
        let old = try lookup(inode, index)
        guard old != 0 else { throw .invalidArgument }
        let new = try allocator.allocateBlock(near: UInt64(old) + 1, handle)
        if let last = path.indices.last {
            var table = try checked(inode.pointers[path.slot])
            for entry in path.indices.dropLast() {
                table = try checked(try journal.read(BlockNumber(UInt64(table))).load(UInt32.self, at: 4 * entry))
            }
            try journal.update(BlockNumber(UInt64(table)), handle) { $0.store(new, at: 4 * last) }
        } else {
            inode.pointers[path.slot] = new
        }
        try allocator.freeBlock(old, handle)
        return new
    }

    /// Allocates a block; an indirect block starts zeroed in the journal.
    private func allocateBlock(near goal: UInt64?, indirect: Bool, _ handle: Handle) throws(Errno) -> UInt32 {
        let block = try allocator.allocateBlock(near: goal, handle)
        if indirect {
            try journal.initialize(BlockNumber(UInt64(block)), handle, to: [UInt8](repeating: 0, count: Format.blockSize))
        }
        return block
    }

    // MARK: Freeing

    /// Frees every block of `inode` whose logical index lies in `range`, and indirect blocks left empty.
    func free(_ inode: inout DiskInode, _ range: Range<UInt64>, _ handle: Handle) throws(Errno) {
        guard !range.isEmpty else { return }
        for slot in 0..<Format.directPointers where range.contains(UInt64(slot)) && inode.pointers[slot] != 0 {
            try freeBlock(try checked(inode.pointers[slot]), &inode, handle)
            inode.pointers[slot] = 0
        }
        for level in Self.levels {
            let block = try checked(inode.pointers[level.slot])
            let covered = level.base..<level.base + Self.span(level.depth + 1)
            guard block != 0, range.overlaps(covered) else { continue }
            if try freeTree(block, depth: level.depth, base: level.base, range, &inode, handle) {
                try freeBlock(block, &inode, handle)
                inode.pointers[level.slot] = 0
            }
        }
    }

    /// Frees the part of the tree under indirect `block` that `range` covers; true when the block is left empty
    /// (the caller then frees it, so it is not rewritten).
    private func freeTree(_ block: UInt32, depth: Int, base: UInt64, _ range: Range<UInt64>,
                          _ inode: inout DiskInode, _ handle: Handle) throws(Errno) -> Bool {
        let bytes = try journal.read(BlockNumber(UInt64(block)))
        let childSpan = Self.span(depth)
        var cleared: [Int] = []
        var remaining = 0
        for entry in 0..<Format.pointersPerBlock {
            let child = try checked(bytes.load(UInt32.self, at: 4 * entry))
            guard child != 0 else { continue }
            let childBase = base + UInt64(entry) * childSpan
            let covered = childBase..<childBase + childSpan
            guard range.overlaps(covered) else {
                remaining += 1
                continue
            }
            let whole = range.lowerBound <= covered.lowerBound && range.upperBound >= covered.upperBound
            if depth == 1 || whole {
                try freeSubtree(child, depth: depth - 1, &inode, handle)
                cleared.append(entry)
            } else if try freeTree(child, depth: depth - 1, base: childBase, range, &inode, handle) {
                try freeBlock(child, &inode, handle)
                cleared.append(entry)
            } else {
                remaining += 1
            }
        }
        if remaining > 0, !cleared.isEmpty {
            try journal.update(BlockNumber(UInt64(block)), handle) { bytes in
                for entry in cleared { bytes.store(UInt32(0), at: 4 * entry) }
            }
        }
        return remaining == 0
    }

    /// Frees `block` and, for an indirect block (`depth` ≥ 1), everything under it.
    private func freeSubtree(_ block: UInt32, depth: Int, _ inode: inout DiskInode, _ handle: Handle) throws(Errno) {
        if depth > 0 {
            let bytes = try journal.read(BlockNumber(UInt64(block)))
            for entry in 0..<Format.pointersPerBlock {
                let child = try checked(bytes.load(UInt32.self, at: 4 * entry))
                if child != 0 { try freeSubtree(child, depth: depth - 1, &inode, handle) }
            }
        }
        try freeBlock(block, &inode, handle)
    }

    private func freeBlock(_ block: UInt32, _ inode: inout DiskInode, _ handle: Handle) throws(Errno) {
        try allocator.freeBlock(block, handle)
        inode.blocks -= min(inode.blocks, 1)
    }

    /// Every block the inode uses: data and indirect blocks with their logical index (nil for indirect ones).
    /// fsck walks this; an out-of-range pointer is reported, not followed.
    func walk(_ inode: DiskInode, _ visit: (UInt32, UInt64?) -> Void) throws(Errno) {
        for slot in 0..<Format.directPointers where inode.pointers[slot] != 0 {
            visit(inode.pointers[slot], UInt64(slot))
        }
        for level in Self.levels where inode.pointers[level.slot] != 0 {
            try walkTree(inode.pointers[level.slot], depth: level.depth, base: level.base, visit)
        }
    }

    private func walkTree(_ block: UInt32, depth: Int, base: UInt64, _ visit: (UInt32, UInt64?) -> Void) throws(Errno) {
        visit(block, nil)
        guard superblock.isDataBlock(block) else { return }
        let bytes = try journal.read(BlockNumber(UInt64(block)))
        for entry in 0..<Format.pointersPerBlock {
            let child = bytes.load(UInt32.self, at: 4 * entry)
            guard child != 0 else { continue }
            let childBase = base + UInt64(entry) * Self.span(depth)
            if depth == 1 { visit(child, childBase) } else { try walkTree(child, depth: depth - 1, base: childBase, visit) }
        }
    }
}

extension BlockMap {
    /// Whether logical block `index` is allocated, and how many blocks from it are known to be the same
    /// (a whole missing indirect subtree is one hole), so SEEK_HOLE and SEEK_DATA skip holes quickly.
    func run(_ inode: DiskInode, at index: UInt64) throws(Errno) -> (allocated: Bool, length: UInt64) {
        guard let path = Self.path(index) else { return (false, .max / 2) }
        var block = inode.pointers[path.slot]
        var remaining = Self.subtreeSpan(forDepth: path.indices.count)
        var position = Self.offsetWithinTop(index, path: path)
        if block == 0 { return (false, remaining - position) }
        for entry in path.indices {
            remaining /= UInt64(Format.pointersPerBlock)
            position %= remaining
            guard superblock.isDataBlock(block) else { throw .ioError }
            block = try journal.read(BlockNumber(UInt64(block))).load(UInt32.self, at: 4 * entry)
            if block == 0 { return (false, remaining - position) }
        }
        return (true, 1)
    }

    /// The first logical block from `index` through `last` that is allocated (or, with `allocated` false, a hole),
    /// or nil: hole runs are skipped whole, so the walk costs what the file holds, not how far it reaches.
    func next(allocated: Bool, in inode: DiskInode, from index: UInt64, through last: UInt64) throws(Errno) -> UInt64? {
        var index = index
        while index <= last {
            let run = try run(inode, at: index)
            if run.allocated == allocated { return index }
            let (next, overflow) = index.addingReportingOverflow(run.length)
            guard !overflow else { return nil }
            index = next
        }
        return nil
    }

    /// Logical blocks covered by an inode pointer whose path has `depth` indirect levels.
    private static func subtreeSpan(forDepth depth: Int) -> UInt64 {
        (0..<depth).reduce(1) { span, _ in span * UInt64(Format.pointersPerBlock) }
    }

    /// `index`'s offset inside the range its inode pointer covers.
    private static func offsetWithinTop(_ index: UInt64, path: (slot: Int, indices: [Int])) -> UInt64 {
        path.indices.reduce(0) { $0 * UInt64(Format.pointersPerBlock) + UInt64($1) }
    }
}
