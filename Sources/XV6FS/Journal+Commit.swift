import BentoKit
import BentoServices

// Commit and checkpoint: the write-ahead rule in code.
//   commit:     close the running transaction (gate closed: no handle in flight; the next transaction starts)
//               → gate open → [data=ordered: the data is already home] descriptor + logged blocks → flush →
//               commit block → flush
//   checkpoint: commit → logged blocks → home → flush → journal header moved past them → flush → unpin (a block
//               the running transaction changed goes home as its frozen committed copy and stays pinned)
// Both run under the committer lock (`log`), so they never overlap each other. A commit closes the gate only to
// close the transaction; a checkpoint not at all: operations go on while it writes, and it decides what a block's
// committed contents are under that block's hold (which every change takes first), so it never writes home a byte
// that has not committed.

extension Journal {
    /// Commits the running transaction (group commit: everything since the last commit), if it holds anything.
    /// Returns false when there was nothing to commit.
    @discardableResult
    func commit() throws(Errno) -> Bool {
        try commit(retryingWhenHeld: false)
    }

    /// `commit()`, or `retryAfterUpgrade` when `retryingWhenHeld` and the journal is held for an upgrade; nothing
    /// when transaction `sequence` committed while this waited for the committer lock (group commit: the fsyncs
    /// waiting behind one commit need no other).
    private func commit(retryingWhenHeld: Bool, through sequence: UInt64 = .max) throws(Errno) -> Bool {
        try log.withLock { (log: inout Log) throws(Errno) -> Bool in
            if retryingWhenHeld, held.load(ordering: .acquiring) { throw .retryAfterUpgrade }
            reclaim()
            guard log.committed < sequence else { return false }
            return try commitOpening(&log)
        }
    }

    /// Commits the transaction numbered `sequence` unless it already has; returns false when nothing was written
    /// (the caller then flushes the device itself if it wrote data outside the journal). While the journal is
    /// held for an upgrade, throws `retryAfterUpgrade` instead of starting a commit.
    @discardableResult
    func commit(through sequence: UInt64) throws(Errno) -> Bool {
        guard !isCommitted(sequence) else { return false }
        return try commit(retryingWhenHeld: true, through: sequence)
    }

    /// Commits with the committer lock held: closes the running transaction with the gate closed, then writes it
    /// with the gate open.
    func commitOpening(_ log: inout Log) throws(Errno) -> Bool {
        guard let closed = try gate.closed({ () throws(Errno) -> ClosedTransaction? in try close(&log) }) else { return false }
        try write(closed, &log)
        return true
    }

    /// Holds commits back for a live upgrade: from now on none starts, and this returns once the one under way,
    /// if any, has finished.
    func hold() {
        held.store(true, ordering: .releasing)
        log.withLock { _ in }
    }

    /// Lets commits start again (the upgrade did not happen).
    func release() {
        held.store(false, ordering: .releasing)
    }

    /// Commits, then writes every logged block home and empties the log, with operations running. With
    /// `ifLogAbove`, does nothing when the log and the running transaction together hold no more blocks than
    /// that by the time this has the committer lock (another thread checkpointed meanwhile). `inBackground`
    /// (the checkpoint thread) also does nothing once the journal was handed over or is held for an upgrade,
    /// where any other caller takes logging back.
    func checkpoint(ifLogAbove threshold: UInt64? = nil, inBackground: Bool = false) throws(Errno) {
        try log.withLock { (log: inout Log) throws(Errno) in
            if inBackground {
                guard !handedOver.load(ordering: .acquiring), !held.load(ordering: .acquiring) else { return }
            } else {
                reclaim()
            }
            if let threshold, log.used + UInt64(running.withLock { $0.blocks.count }) <= threshold { return }
            _ = try commitOpening(&log)
            try checkpointCommitted(&log)
        }
    }

    /// A transaction closed for commit: its sequence number and blocks, in the order they joined it.
    struct ClosedTransaction: Sendable {
        let sequence: UInt64
        let blocks: [BlockNumber]

        /// Descriptor blocks naming its blocks.
        var descriptors: Int { (blocks.count + JournalRecord.tagsPerDescriptor - 1) / JournalRecord.tagsPerDescriptor }
        /// Log blocks it takes: descriptors, blocks and the commit record.
        var length: UInt64 { UInt64(blocks.count + descriptors + 1) }
    }

    /// Commits with the committer lock held and the gate closed (checkpoints and handovers, which keep it closed).
    @discardableResult
    func commitClosed(_ log: inout Log) throws(Errno) -> Bool {
        guard let closed = try close(&log) else { return false }
        try write(closed, &log)
        return true
    }

    /// Closes the running transaction (nil if it holds nothing), with the committer lock held and the gate
    /// closed: makes room in the log first (a checkpoint) if the transaction would not fit, then starts the next
    /// transaction; the closed one's blocks stay pinned and are marked as committing.
    private func close(_ log: inout Log) throws(Errno) -> ClosedTransaction? {
        let closing = running.withLock { ClosedTransaction(sequence: $0.sequence, blocks: $0.blocks) }
        guard !closing.blocks.isEmpty else { return nil }
        guard closing.length <= logBlocks else { return try fail(.noSpace) }
        if log.used + closing.length > logBlocks { try checkpointCommitted(&log) }
        running.withLock { running in
            running.committing = running.members
            running.frozenForCommit = [:]
            running.sequence += 1
            running.blocks = []
            running.members = []
            running.frozen = [:]  // the closed transaction's contents are the last committed ones once it commits
        }
        return closing
    }

    /// Writes a closed transaction to the log with the committer lock held (the gate may be open): each
    /// descriptor's group (a descriptor and the blocks it names, at most 2 MiB) as it is read, the checksum
    /// carried from group to group, then flush, commit block, flush.
    private func write(_ closed: ClosedTransaction, _ log: inout Log) throws(Errno) {
        let blocks = closed.blocks
        var checksum: UInt32 = 0
        var position = log.head
        do {
            for first in stride(from: 0, to: blocks.count, by: JournalRecord.tagsPerDescriptor) {
                let chunk = blocks[first..<min(first + JournalRecord.tagsPerDescriptor, blocks.count)]
                var group = JournalRecord.descriptor(sequence: closed.sequence, homes: chunk.map(\.rawValue)).encoded
                group.reserveCapacity((chunk.count + 1) * Format.blockSize)
                for block in chunk { group += try committingContents(of: block) }
                checksum = CRC32C.checksum(group, seed: checksum)
                try writeLog(group, at: position)
                position += UInt64(chunk.count + 1)
            }
            try device.flush()
            let commitRecord = JournalRecord.commit(sequence: closed.sequence, blockCount: UInt32(closed.length - 1),
                                                    checksum: checksum)
            try writeLog(commitRecord.encoded, at: log.head + closed.length - 1)
            try device.flush()
        } catch {
            return try fail(error)
        }
        log.head = (log.head + closed.length) % logBlocks
        log.used += closed.length
        log.committed = closed.sequence
        usedBlocks.store(log.used, ordering: .relaxed)
        committedSequence.store(closed.sequence, ordering: .releasing)
        running.withLock { running in
            running.committing = []
            running.frozenForCommit = [:]
        }
    }

    /// What the committing transaction logs for `block`: the copy kept when the running transaction changed it
    /// since, else the cached bytes, read under the buffer's hold (a change waits for the hold, and copies first).
    private func committingContents(of block: BlockNumber) throws(Errno) -> [UInt8] {
        let buffer = try cache.read(block)
        return running.withLock { $0.frozenForCommit[block] } ?? buffer.bytes
    }

    /// Checkpoints with the committer lock held, the gate open or closed: writes home the last committed contents
    /// of every pinned block, then empties the log. The running transaction may hold blocks and take more while
    /// this writes: those stay pinned, and for those a committed transaction also changed, the frozen committed copy
    /// goes home instead of the cache's uncommitted bytes. Which of the two a block is, is decided under the
    /// block's hold: a change holds the block before it joins the running transaction (`record`), so between
    /// that decision and the write nothing can change it.
    func checkpointCommitted(_ log: inout Log) throws(Errno) {
        let pinned = running.withLock { $0.pinned }
        do {
            for block in pinned.sorted(by: { $0.rawValue < $1.rawValue }) {  // ascending: near writes, and the same order every run
                let held = try cache.read(block)
                switch running.withLock({ $0.members.contains(block) ? CommittedCopy.frozen($0.frozen[block]) : .cached }) {
                case .cached: try cache.writeBack(block)  // unchanged since it committed; held, so written as it is
                case .frozen(let committed?): try device.write(block, committed)
                case .frozen(nil): break  // only the running transaction pins it: nothing of it has committed
                }
                held.release()
            }
            try device.flush()
            try device.write(BlockNumber(start), JournalHeader(sequence: log.committed + 1, tail: log.head).encoded)
            try device.flush()
        } catch {
            _ = try fail(error) as Bool
        }
        running.withLock { running in
            for block in pinned {
                running.frozen[block] = nil  // home now: a later checkpoint has nothing to write for it
                guard !running.members.contains(block) else { continue }
                running.pinned.remove(block)
                cache.unpin(block)  // under the lock: a change that pins it again pins after this unpin
            }
        }
        log.used = 0
        usedBlocks.store(0, ordering: .relaxed)
        checkpointedThrough.store(log.committed, ordering: .releasing)
    }

    /// What a checkpoint writes home for a pinned block.
    private enum CommittedCopy {
        /// The cached bytes: the running transaction has not changed the block.
        case cached
        /// The copy kept when the running transaction first changed it, nil when no committed transaction had.
        case frozen([UInt8]?)
    }

    /// Writes `bytes` (whole blocks) into the log at index `position`, wrapping around its end.
    private func writeLog(_ bytes: [UInt8], at position: UInt64) throws(Errno) {
        let blocks = UInt64(bytes.count / Format.blockSize)
        let index = position % logBlocks
        let first = min(blocks, logBlocks - index)
        let split = Int(first) * Format.blockSize
        try device.write(startingAt: BlockNumber(start + 1 + index), Array(bytes[..<split]))
        if first < blocks { try device.write(startingAt: BlockNumber(start + 1), Array(bytes[split...])) }
    }

    /// Marks the journal failed (later changes get EROFS; the first error is the one kept) and throws `error`.
    private func fail<Result>(_ error: Errno) throws(Errno) -> Result {
        _ = failure.compareExchange(expected: 0, desired: error.rawValue != 0 ? error.rawValue : Errno.ioError.rawValue,
                                    ordering: .acquiringAndReleasing)
        throw error
    }

    /// Commits and checkpoints for the last time; the journal is empty afterwards.
    func shutdown() throws(Errno) {
        try checkpoint()
    }
}
