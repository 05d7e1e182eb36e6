import BentoKit
import BentoServices
import Testing
@testable import XV6FS

/// When a freed block may be allocated again: only after a checkpoint wrote home the transaction that freed it,
/// since until then the log may hold a copy of it that replay would write over its new contents.
@Suite struct BlockReuseTests {
    /// Allocates `count` blocks and logs a copy of each (what a new indirect or directory block does).
    private func logNewBlocks(_ count: Int, in fs: XV6FS, _ handle: Handle) throws(Errno) -> [UInt32] {
        var blocks: [UInt32] = []
        for _ in 0..<count {
            let block = try fs.allocator.allocateBlock(near: nil, handle)
            try fs.journal.initialize(BlockNumber(UInt64(block)), handle, to: [UInt8](repeating: 0xEE, count: Format.blockSize))
            blocks.append(block)
        }
        return blocks
    }

    /// A transaction big enough that its commit must first checkpoint the log to make room: the checkpoint
    /// covers the earlier transactions, not this one, so a block it logged and freed stays unavailable until
    /// the next checkpoint.
    @Test func aCheckpointInsideACommitDoesNotReleaseTheCommittingTransactionsFrees() throws {
        let f = try Fixture(mkfs: MkfsOptions(journalBlocks: 256))
        let logBlocks = f.fs.journal.logBlocks
        _ = try f.fs.journal.transaction { (handle: Handle) throws(Errno) in try logNewBlocks(Int(logBlocks) / 3, in: f.fs, handle) }
        try f.fs.journal.commit()
        let freed = try f.fs.journal.transaction { (handle: Handle) throws(Errno) -> UInt32 in
            let blocks = try logNewBlocks(Int(logBlocks) * 3 / 4, in: f.fs, handle)
            try f.fs.allocator.freeBlock(blocks[0], handle)
            return blocks[0]
        }
        let before = f.fs.journal.checkpointedThrough.load(ordering: .relaxed)
        try f.fs.journal.commit()
        #expect(f.fs.journal.checkpointedThrough.load(ordering: .relaxed) > before, "the commit did not checkpoint first")
        // An allocation sorts out the pending frees (a handle made here: `transaction` would checkpoint first,
        // the log being more than half full).
        _ = try f.fs.allocator.allocateBlock(near: nil, Handle(sequence: f.fs.journal.running.withLock { $0.sequence }))
        #expect(f.fs.allocator.pendingFrees.contains(UInt64(freed)))
        try f.fs.journal.checkpoint()
        _ = try f.fs.journal.transaction { (handle: Handle) throws(Errno) in try logNewBlocks(1, in: f.fs, handle) }
        #expect(!f.fs.allocator.pendingFrees.contains(UInt64(freed)))
    }
}
