import BentoKit
import BentoServices
import Testing
@testable import XV6FS

/// A commit that finds the log too full for the running transaction checkpoints first, with the running
/// transaction still open: that checkpoint must not write the running transaction's uncommitted bytes home, nor
/// release the blocks it freed (the log may still hold copies of them that replay would write over new contents).
@Suite struct CheckpointInsideCommitTests {
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

    /// For a block a committed transaction logged and the committing one changed again, the checkpoint writes
    /// home the committed (frozen) copy, never the new bytes; after the commit, replay brings the new ones.
    @Test func aCheckpointInsideACommitWritesTheCommittedCopyOfAChangedBlock() throws {
        let f = try Fixture(mkfs: MkfsOptions(journalBlocks: 256))
        let logBlocks = Int(f.fs.journal.logBlocks)
        let changed = try f.fs.journal.transaction { (handle: Handle) throws(Errno) -> UInt32 in
            try logNewBlocks(logBlocks / 3, in: f.fs, handle)[0]
        }
        try f.fs.journal.commit()
        let home = BlockNumber(UInt64(changed))
        let committed = [UInt8](repeating: 0xEE, count: Format.blockSize), uncommitted = [UInt8](repeating: 0x22, count: Format.blockSize)
        f.disk.clearOperations()
        _ = try f.fs.journal.transaction { (handle: Handle) throws(Errno) -> [UInt32] in
            try f.fs.journal.update(home, handle) { (bytes: inout [UInt8]) in bytes = uncommitted }
            return try logNewBlocks(logBlocks * 3 / 4, in: f.fs, handle)
        }
        try f.fs.journal.commit()
        let homeWrites = f.disk.operations.compactMap { operation -> Set<UInt8>? in
            if case .write(let block, let bytes) = operation, block == home { Set(bytes) } else { nil }
        }
        #expect(homeWrites == [Set(committed)], "the byte values of each write to block \(changed) before its transaction committed")
        #expect(try f.fs.journal.read(home) == uncommitted)
        let crashed = SimulatedDisk(image: f.disk.durableImage)
        _ = try XV6FS(device: crashed, options: XV6FS.Options(commitInterval: nil))
        #expect(try crashed.read(home) == uncommitted, "replay of the committed transaction")
    }
}
