import BentoKit
import BentoServices

// Commit and checkpoint: the write-ahead rule in code.
//   commit:     close the running transaction (gate closed: no handle in flight; the next transaction starts)
//               → gate open → [data=ordered: the data is already home] descriptor + logged blocks → flush →
//               commit block → flush
//   checkpoint: logged blocks → home → flush → journal header moved past them → flush → unpin (a block the
//               running transaction changed goes home as its frozen committed copy and stays pinned)
// Both run under the committer lock (`log`). A commit closes the gate only to close the transaction; a checkpoint
// keeps it closed throughout, so no operation changes a block it writes home.

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

    /// Commits, then writes every logged block home and empties the log.
    func checkpoint() throws(Errno) {
        _ = try log.withLock { (log: inout Log) throws(Errno) -> Bool in
            reclaim()
            return try gate.closed { () throws(Errno) -> Bool in
                try commitClosed(&log)
                try checkpointClosed(&log)
                return true
            }
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
        if log.used + closing.length > logBlocks { try checkpointClosed(&log) }
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

    /// Checkpoints with the committer lock held and the gate closed: writes home the last committed contents of
    /// every pinned block, then empties the log. The running transaction may hold blocks (a commit making room
    /// for it): those stay pinned, and for those a committed transaction also changed, the frozen committed
    /// copy goes home instead of the cache's uncommitted bytes.
    func checkpointClosed(_ log: inout Log) throws(Errno) {
        let (pinned, members, frozen) = running.withLock { ($0.pinned, $0.members, $0.frozen) }
        do {
            for block in pinned.sorted(by: { $0.rawValue < $1.rawValue }) {  // ascending: near writes, and the same order every run
                if let committed = frozen[block] {
                    try device.write(block, committed)
                } else if !members.contains(block) {
                    try cache.writeBack(block)
                }
            }
            try device.flush()
            try device.write(BlockNumber(start), JournalHeader(sequence: log.committed + 1, tail: log.head).encoded)
            try device.flush()
        } catch {
            _ = try fail(error) as Bool
        }
        let released = pinned.subtracting(members)
        for block in released { cache.unpin(block) }
        running.withLock { running in
            running.pinned.subtract(released)
            running.frozen = [:]
        }
        log.used = 0
        usedBlocks.store(0, ordering: .relaxed)
        checkpointedThrough.store(log.committed, ordering: .releasing)
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

    /// Marks the journal failed (later changes get EIO) and throws `error`.
    private func fail<Result>(_ error: Errno) throws(Errno) -> Result {
        failed.store(true, ordering: .relaxed)
        throw error
    }

    /// Commits and checkpoints for the last time; the journal is empty afterwards.
    func shutdown() throws(Errno) {
        try checkpoint()
    }
}
