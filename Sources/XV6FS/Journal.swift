import BentoKit
import BentoServices
import Dispatch
import Synchronization

// The log layer: a physical redo journal in the style of JBD2 (xv6's log.c grown up).
//
// What it offers: operations run inside a `Handle` (`Journal.transaction`); every block they
// change goes through `update`/`initialize`, which changes the cached buffer, pins it in the buffer cache and
// adds it to the running transaction. Nothing reaches a home location before the transaction holding it has
// committed: pinned buffers are never written back by the cache. `commit` closes the running transaction (group
// commit: every operation since the last commit goes in one), writes its blocks to the log, flushes, writes the
// commit block, flushes. `checkpoint` writes committed blocks home, flushes, advances the journal header past
// them and unpins them; it runs when the log fills up, on `sync` and at unmount.
//
// Locking: the gate admits handles while no commit is closing the running transaction; a commit waits until
// every handle in flight has ended, closes the transaction (the next one starts running) and opens the gate
// again before it writes anything, as JBD2 does: new operations go on while the closed transaction's blocks, its
// commit record and the flushes reach the device. A block the running transaction changes while the closed one
// still has to log it is copied first (`frozenForCommit`), and the commit logs that copy; every other block it
// reads under the buffer's hold, so it never sees a later change. The committer lock (`log`) serializes commits
// and checkpoints and is held across their I/O; a checkpoint, like a commit, runs with the gate open (it writes a
// block's committed contents under the block's hold), in the background once the log is a quarter full, or in the
// operation that finds it half full. `usedBlocks` and
// `committedSequence` mirror the log's counters so that starting a handle and asking whether a transaction has
// committed never wait for a commit's I/O. Rule: start a handle before taking any inode lock, and never start
// one while holding one (handles do not nest).
//
// Lifecycle: `Journal.recover` replays committed transactions at mount, before the cache is used; `Journal(...)`
// starts logging after the replayed position; `shutdown` commits and checkpoints for the last time. At a live
// upgrade `handOver` stops it and `adopt` lets the next version's journal go on from its state (Journal+Handover.swift).

/// Proof that an operation runs inside the running transaction; carries that transaction's sequence number.
struct Handle: Sendable {
    /// The transaction the handle's changes belong to.
    let sequence: UInt64
}

/// The journal of one mounted file system.
final class Journal: Sendable {
    /// The smallest journal mkfs makes (header + log), in blocks.
    static let minimumBlocks: UInt64 = 256
    /// The sequence numbers a journal goes on from (read from its header or a handed-over state): 0 names no
    /// transaction, and counting on from near the top would overflow; a real log never gets past 2^62 commits.
    static let sequences: ClosedRange<UInt64> = 1...(1 << 62)

    /// Where the log lives and where it stands after recovery.
    struct Position: Sendable {
        /// Sequence number of the next transaction to commit.
        var sequence: UInt64
        /// Log index where it will be written.
        var head: UInt64
    }

    /// The blocks of the running transaction and everything pinned for the journal.
    struct Running: Sendable {
        var sequence: UInt64
        var blocks: [BlockNumber] = []
        var members: Set<BlockNumber> = []
        var pinned: Set<BlockNumber> = []
        /// The committed contents of blocks the running transaction changed while a committed transaction still
        /// pinned them (JBD2's frozen copies): a checkpoint before the running transaction commits writes these
        /// home, never the running transaction's uncommitted bytes.
        var frozen: [BlockNumber: [UInt8]] = [:]
        /// The blocks of the transaction being committed (closed, its log writes under way).
        var committing: Set<BlockNumber> = []
        /// The closed transaction's contents of blocks the running one changed before the commit logged them:
        /// the commit logs these, not the running transaction's bytes.
        var frozenForCommit: [BlockNumber: [UInt8]] = [:]
    }

    /// The committer's view of the log.
    struct Log: Sendable {
        var head: UInt64
        var used: UInt64 = 0
        var committed: UInt64
    }

    let device: any BlockDevice
    let cache: BufferCache
    /// The journal header's block; the log follows it.
    let start: UInt64
    /// Blocks in the log area.
    let logBlocks: UInt64
    /// The running transaction closes once it holds this many blocks.
    let transactionLimit: Int
    let gate = TransactionGate()
    let running: Mutex<Running>
    let log: Mutex<Log>
    /// `log.used`, readable without waiting for the committer lock.
    let usedBlocks = Atomic<UInt64>(0)
    /// `log.committed`, readable without waiting for the committer lock.
    let committedSequence: Atomic<UInt64>
    /// The last transaction whose blocks a checkpoint wrote home (the log holds no copy from it or before it):
    /// a block freed in one of those transactions may be reused.
    let checkpointedThrough = Atomic<UInt64>(0)
    /// The errno of the failed commit or checkpoint that stopped the journal, 0 while it works: the file system
    /// then refuses changes with EROFS (as ext4 with errors=remount-ro), keeping the device as the last commit
    /// left it.
    let failure = Atomic<Int32>(0)
    /// Whether a commit or checkpoint failed (`failure`).
    var hasFailed: Bool { failure.load(ordering: .acquiring) != 0 }
    /// Set once the journal's state went to a successor (`handOver`): the committer thread then writes nothing.
    let handedOver = Atomic<Bool>(false)
    /// Asked for once the log is a quarter full; the file system's checkpoint thread waits for it
    /// (`checkpointInBackground`), so operations seldom reach the half-full mark where they checkpoint themselves.
    let checkpointWanted = CheckpointRequest()
    /// Set while a live upgrade prepares (`hold`): no commit starts — fsync asks to be retried on the next
    /// version, and the size limits that commit at a handle's start wait — so the pause waits for no I/O.
    let held = Atomic<Bool>(false)

    /// A journal over `blocks` blocks starting at `start`, continuing after a recovery that left it at `position`.
    init(device: any BlockDevice, cache: BufferCache, start: UInt64, blocks: UInt64, position: Position) {
        self.device = device
        self.cache = cache
        self.start = start
        self.logBlocks = blocks - 1
        self.transactionLimit = Int(max(32, logBlocks / 4))
        running = Mutex(Running(sequence: position.sequence))
        log = Mutex(Log(head: position.head, committed: position.sequence - 1))
        committedSequence = Atomic(position.sequence - 1)
    }

    /// The log fill past which a background checkpoint is asked for.
    static func backgroundCheckpointShare(of logBlocks: UInt64) -> UInt64 { logBlocks / 4 }

    // MARK: Handles

    /// Runs `body` inside a handle of the running transaction, committing or checkpointing first when the log
    /// needs room.
    func transaction<Result>(_ body: (Handle) throws(Errno) -> Result) throws(Errno) -> Result {
        guard !hasFailed else { throw .readOnlyFileSystem }
        if handedOver.load(ordering: .acquiring) { log.withLock { _ in reclaim() } }
        let (size, used) = (running.withLock { $0.blocks.count }, usedBlocks.load(ordering: .relaxed))
        if held.load(ordering: .acquiring) {
            // soft limits: the upgrade's pause is short, and the successor commits right after
        } else if used + UInt64(size) > logBlocks / 2 {
            try checkpoint(ifLogAbove: logBlocks / 2)  // the background checkpoint fell behind: make room now
        } else if size >= transactionLimit {
            try commit()
        }
        if used + UInt64(size) > Self.backgroundCheckpointShare(of: logBlocks) { checkpointWanted.request() }
        return try gate.admit { () throws(Errno) -> Result in try body(Handle(sequence: running.withLock { $0.sequence })) }
    }

    /// Adds `block` to the running transaction and pins it, first keeping its previous contents (`previous`,
    /// taken before the running transaction's first change to it) when an earlier transaction still pins it: as
    /// the committed copy a checkpoint writes home, and, while that transaction is being committed, as the copy
    /// its commit logs. One lock for all, on every change; call while holding the block's buffer.
    private func record(_ block: BlockNumber, previous: () throws(Errno) -> [UInt8]) throws(Errno) {
        let newlyPinned = try running.withLock { (running: inout Running) throws(Errno) -> Bool in
            if running.members.insert(block).inserted {
                running.blocks.append(block)
                if running.pinned.contains(block) {
                    let bytes = try previous()
                    running.frozen[block] = bytes
                    if running.committing.contains(block) { running.frozenForCommit[block] = bytes }
                }
            }
            return running.pinned.insert(block).inserted
        }
        if newlyPinned { cache.pin(block) }
    }

    // MARK: Blocks

    /// The current contents of `block` (from the cache).
    func read(_ block: BlockNumber) throws(Errno) -> [UInt8] {
        try cache.read(block).bytes
    }

    /// Changes `block` with `body` as part of `handle`'s transaction. `body` must check before it changes
    /// anything: whatever it leaves in the bytes is logged, even when it throws.
    func update<Result>(_ block: BlockNumber, _ handle: Handle,
                        _ body: (inout [UInt8]) throws(Errno) -> Result) throws(Errno) -> Result {
        var buffer = try cache.read(block)
        try record(block) { buffer.bytes }
        return try buffer.modify { (bytes: inout [UInt8]) throws(Errno) -> Result in try body(&bytes) }
    }

    /// Gives a newly allocated `block` the contents `bytes` (without reading it) as part of `handle`'s transaction.
    func initialize(_ block: BlockNumber, _ handle: Handle, to bytes: [UInt8]) throws(Errno) {
        // A block an earlier transaction pins is cached: reading its previous bytes costs no device read.
        let pinned = running.withLock { $0.pinned.contains(block) && !$0.members.contains(block) }
        let previous = pinned ? try cache.read(block).bytes : []
        var buffer = try cache.zeroed(block)
        try record(block) { previous }
        buffer.modify { $0 = bytes }
    }

    /// True once the transaction numbered `sequence` has committed.
    func isCommitted(_ sequence: UInt64) -> Bool { committedSequence.load(ordering: .acquiring) >= sequence }
}

/// Admits handles unless a commit is closing the running transaction (a writer-preferring gate).
///
/// Handles hold `barrier` shared; a commit holds it exclusively. A commit first takes `turnstile`, which every
/// new handle passes through, so handles arriving while a commit waits queue behind it instead of starving it.
final class TransactionGate: Sendable {
    private let barrier = ReadWriteLock()
    private let turnstile = Mutex<Void>(())

    /// Runs `body` as a handle in flight.
    func admit<Result>(_ body: () throws(Errno) -> Result) throws(Errno) -> Result {
        turnstile.withLock { _ in }
        return try barrier.withReadLock(body)
    }

    /// Runs `body` once no handle is in flight, admitting none meanwhile.
    func closed<Result: Sendable>(_ body: () throws(Errno) -> Result) throws(Errno) -> Result {
        try turnstile.withLock { (_: inout Void) throws(Errno) -> Result in try barrier.withWriteLock(body) }
    }
}

/// A background checkpoint asked for: set by any thread, waited for by the file system's checkpoint thread.
final class CheckpointRequest: Sendable {
    private let wanted = Atomic<Bool>(false)
    private let signal = DispatchSemaphore(value: 0)

    /// Asks for a checkpoint; cheap when one is already asked for.
    func request() {
        if !wanted.exchange(true, ordering: .acquiringAndReleasing) { signal.signal() }
    }

    /// Waits up to `timeout` for a request and takes it: true if there was one.
    func take(waitingAtMost timeout: DispatchTimeInterval) -> Bool {
        _ = signal.wait(timeout: .now() + timeout)
        return wanted.exchange(false, ordering: .acquiringAndReleasing)
    }
}
