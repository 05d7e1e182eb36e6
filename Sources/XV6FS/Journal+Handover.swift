import BentoKit
import BentoServices

// Live upgrade without a checkpoint: the journal hands over what lives only in memory instead of writing it
// home. The device then holds exactly what it would if the old instance had simply not checkpointed yet (the
// committed transactions in the log, their home locations stale), so a crash after the upgrade replays as usual.
//
//   handOver (old instance, host gate closed): under the committer lock, mark the journal handed over (no
//   commit or checkpoint writes from now on), then copy the log position, the running transaction's block list
//   and the bytes of every pinned block (committed-not-checkpointed and running) from the cache, and the frozen
//   committed copies of running blocks. Beyond
//   `handoverLimit` pinned bytes it commits and checkpoints first (the old way) and hands over an empty log.
//   adopt (new instance, before anything reads the cache): the same position, the blocks dirty and pinned.

extension Journal {
    /// Pinned bytes handed over at most; more and `handOver` checkpoints instead.
    static let handoverLimit = 4 << 20

    /// What the journal keeps only in memory: enough for the next instance to go on as if it were this one.
    struct Handover: Sendable {
        /// Where the next transaction will be logged (its sequence is the running transaction's).
        var position: Position
        /// Log blocks written since the last checkpoint.
        var used: UInt64
        /// The running transaction's blocks, in the order they joined it.
        var running: [BlockNumber]
        /// Every pinned block (committed but not checkpointed, or running) and its current contents.
        var pinned: [(block: BlockNumber, bytes: [UInt8])]
        /// The frozen committed copies of running blocks (`Running.frozen`).
        var frozen: [(block: BlockNumber, bytes: [UInt8])] = []
    }

    /// Stops this journal for good (no more commits or checkpoint writes) and returns its in-memory state.
    /// Call with no handle in flight (the host's gate closed). A request reaching this instance later means the
    /// upgrade failed and it still serves: `commit`, `checkpoint` and `transaction` then take logging back.
    func handOver() throws(Errno) -> Handover {
        guard !hasFailed else { throw .ioError }
        return try log.withLock { (log: inout Log) throws(Errno) -> Handover in
            _ = try gate.closed { () throws(Errno) -> Bool in
                if running.withLock({ $0.pinned.count }) * Format.blockSize > Self.handoverLimit {
                    try commitClosed(&log)
                    try checkpointCommitted(&log)
                }
                return true
            }
            handedOver.store(true, ordering: .releasing)
            let current = running.withLock { $0 }
            var pinned: [(block: BlockNumber, bytes: [UInt8])] = []
            pinned.reserveCapacity(current.pinned.count)
            for block in current.pinned.sorted(by: { $0.rawValue < $1.rawValue }) {
                pinned.append((block, try read(block)))
            }
            return Handover(position: Position(sequence: current.sequence, head: log.head), used: log.used,
                            running: current.blocks, pinned: pinned,
                            frozen: current.frozen.sorted { $0.key.rawValue < $1.key.rawValue }.map { ($0.key, $0.value) })
        }
    }

    /// Takes over `handover` from the previous instance: call right after `init(position: handover.position)`,
    /// before anything reads the cache. Loads each pinned block as dirty and pinned, so later commits and
    /// checkpoints write it exactly as the previous instance would have.
    func adopt(_ handover: Handover) throws(Errno) {
        guard handover.used <= logBlocks, handover.position.head < logBlocks else { throw .invalidArgument }
        let pinned = Set(handover.pinned.map(\.block)), members = Set(handover.running)
        let frozen = Dictionary(handover.frozen.map { ($0.block, $0.bytes) }, uniquingKeysWith: { first, _ in first })
        guard pinned.count == handover.pinned.count, members.isSubset(of: pinned),
              members.count == handover.running.count, frozen.count == handover.frozen.count,
              frozen.allSatisfy({ members.contains($0.key) && $0.value.count == Format.blockSize })
        else { throw .invalidArgument }
        for (block, bytes) in handover.pinned {
            guard bytes.count == Format.blockSize else { throw .invalidArgument }
            var buffer = try cache.zeroed(block)
            buffer.modify { $0 = bytes }
            cache.pin(block)
        }
        log.withLock { $0.used = handover.used }
        usedBlocks.store(handover.used, ordering: .relaxed)
        running.withLock { running in
            running.blocks = handover.running
            running.members = members
            running.pinned = pinned
            running.frozen = frozen
        }
    }

    /// The committer thread's commit: does nothing once the journal was handed over.
    func commitInBackground() throws(Errno) {
        try log.withLock { (log: inout Log) throws(Errno) in
            guard !handedOver.load(ordering: .acquiring), !held.load(ordering: .acquiring) else { return }
            _ = try commitOpening(&log)
        }
    }

    /// The checkpoint thread's checkpoint: only while the log is still a quarter full once this has the committer
    /// lock, and nothing once the journal was handed over or is held for an upgrade.
    func checkpointInBackground() throws(Errno) {
        try checkpoint(ifLogAbove: Self.backgroundCheckpointShare(of: logBlocks), inBackground: true)
    }

    /// Takes logging back after a handover the upgrade did not use; call with the committer lock held.
    func reclaim() {
        if handedOver.load(ordering: .relaxed) { handedOver.store(false, ordering: .releasing) }
    }
}
