import BentoKit
import BentoSystem

// The buffer cache (xv6's bio.c, for many threads).
//
// What it offers: blocks of a `BlockDevice` as `Buffer`s. `read` returns the block held exclusively by the
// caller (from memory on a hit, from the device on a miss); `zeroed` returns it all zeros without reading.
// Changes mark the buffer dirty; the cache writes a dirty buffer back before it evicts it, on `writeBack`, or on
// `sync`, and each dirtying is written exactly once. `pin` keeps a block cached and out of the cache's own
// write-backs (the journal pins what it has logged and writes those blocks itself).
//
// Locking rules:
// - The table is split into shards by a hash of the block number; each shard has a mutex guarding its table,
//   LRU list and entries' bookkeeping, held only for a few instructions and never during device I/O. The
//   capacity is one atomic count shared by the shards (touched on misses and evictions, not on hits): a miss
//   takes a new buffer while the cache has room, else evicts the least recently released buffer of its shard.
// - Holding a block is a per-entry state, not a lock: a thread asking for a held block sleeps on that entry's
//   condition variable (with the shard mutex) until the holder releases it. A miss holds the new entry while it
//   reads from the device, so a second thread asking for the same block waits for that read, not a second one.
// - A thread may hold several blocks at once (consistent ordering is the file system's business). Asking for a
//   block the same thread already holds would wait forever, so it traps with a message instead.
// - Eviction takes the least recently released unheld, unpinned buffer of the shard; if it is dirty the cache
//   holds it, writes it back with the shard unlocked, then retries.
// - When every buffer of a shard is held or pinned, the cache grows past its capacity rather than deadlock,
//   and shrinks back as clean buffers are released (`statistics.growths` counts these). Two threads missing
//   at once may also each add one buffer past the capacity; it is shed the same way.
//
// Lifecycle of a block: read/zeroed (held) → modify/store (dirty) → release (unheld, newest in LRU) → … →
// evicted (written back first if dirty), or dropped by `invalidate` when clean.

/// A fixed-capacity cache of a device's blocks, handed out as noncopyable `Buffer`s that hold the block
/// exclusively until released. Clean buffers are evicted LRU; dirty ones are written back first; pinned ones are
/// never evicted nor written back by the cache. Safe to use from many threads (see the file's comment).
public final class BufferCache: Sendable {
    /// The device the blocks come from.
    public let device: any BlockDevice
    /// Buffers kept before eviction (shared by the shards).
    public let capacity: Int

    let shards: [CacheShard]
    /// `64 - log2(shards.count)`: the shift that turns a block hash into a shard index.
    private let shardShift: UInt64

    /// A cache of up to `capacity` buffers (at least 1) over `device`.
    public init(device: any BlockDevice, capacity: Int) {
        let capacity = max(capacity, 1)
        self.device = device
        self.capacity = capacity
        // At most 16 shards, with at least 8 buffers' worth of capacity each, so per-shard LRU stays close to
        // global LRU.
        var shardCount = 1
        while shardCount < 16, capacity / (shardCount * 2) >= 8 { shardCount *= 2 }
        let budget = CacheBudget(capacity: capacity)
        shards = (0 ..< shardCount).map { _ in CacheShard(budget: budget) }
        shardShift = UInt64(64 - shardCount.trailingZeroBitCount)
    }

    /// The shard caching `block` (a multiplicative hash, so runs and strides of blocks spread out).
    func shard(for block: BlockNumber) -> CacheShard {
        guard shards.count > 1 else { return shards[0] }
        return shards[Int((block.rawValue &* 0x9E37_79B9_7F4A_7C15) >> shardShift)]
    }

    /// The block, held by the caller: from memory on a hit, read from the device on a miss.
    /// - Throws: the device's read error (`EIO`, `ENXIO`), or the write-back error of the dirty buffer it had to
    ///   evict to make room.
    public func read(_ block: BlockNumber) throws(Errno) -> Buffer {
        Buffer(block: block, entry: try acquire(block, load: true), cache: self)
    }

    /// The block, held by the caller, with all-zero contents and marked dirty; nothing is read from the device.
    /// - Throws: `ENXIO` beyond the device, or the write-back error of a buffer evicted to make room.
    public func zeroed(_ block: BlockNumber) throws(Errno) -> Buffer {
        guard block.rawValue < device.blockCount else { throw .noSuchAddressOrDevice }
        let entry = try acquire(block, load: false)
        entry.data = [UInt8](repeating: 0, count: device.blockSize)
        entry.isValid = true
        entry.isDirty = true
        return Buffer(block: block, entry: entry, cache: self)
    }

    /// Pins `block` (counted): it stays cached, and the cache neither evicts it nor writes it back on its own
    /// until as many `unpin`s. Pinning a block that is not cached reserves a buffer that the next `read` fills.
    public func pin(_ block: BlockNumber) {
        let shard = shard(for: block)
        shard.lock.withLock {
            let entry: CacheEntry
            if let cached = shard.table[block] {
                entry = cached
            } else {
                entry = shard.freeEntry()
                shard.insert(entry, as: block)
            }
            entry.pins += 1
            shard.unlist(entry)
        }
    }

    /// Undoes one `pin`. Unpinning a block that is not pinned does nothing.
    public func unpin(_ block: BlockNumber) {
        let shard = shard(for: block)
        shard.lock.withLock {
            guard let entry = shard.table[block], entry.pins > 0 else { return }
            entry.pins -= 1
            shard.settle(entry)
        }
    }

    /// Writes `block` to the device now if it is cached and dirty (no flush); pinned blocks too. Waits while
    /// another thread holds the block; when the calling thread holds it, writes its current contents.
    public func writeBack(_ block: BlockNumber) throws(Errno) {
        try writeBack(block, skippingPinned: false)
    }

    /// Writes back every dirty unpinned buffer (waiting for held ones), then flushes the device. Every buffer is
    /// tried; the first error is thrown at the end and the failed buffers stay dirty.
    public func sync() throws(Errno) {
        var failure: Errno?
        for shard in shards {
            let candidates = shard.lock.withLock {
                shard.table.values.filter { $0.pins == 0 && ($0.holder != nil || $0.isDirty) }.map(\.block)
            }
            for block in candidates {
                do throws(Errno) {
                    try writeBack(block, skippingPinned: true)
                } catch {
                    if failure == nil { failure = error }
                }
            }
        }
        if let failure { throw failure }
        try device.flush()
    }

    /// Drops every clean, unheld, unpinned buffer, so the next reads come from the device (after journal
    /// replay has written blocks behind the cache's back).
    public func invalidate() {
        for shard in shards {
            shard.lock.withLock {
                for entry in Array(shard.table.values) where entry.references == 0 && entry.pins == 0 && !entry.isDirty {
                    shard.remove(entry)
                }
            }
        }
    }

    /// Hits, misses, evictions, write-backs and growths so far, summed over the shards.
    public var statistics: BufferCacheStatistics {
        shards.reduce(into: BufferCacheStatistics()) { total, shard in
            let counts = shard.lock.withLock { (shard.statistics, shard.table.count) }
            total.hits += counts.0.hits
            total.misses += counts.0.misses
            total.evictions += counts.0.evictions
            total.writebacks += counts.0.writebacks
            total.growths += counts.0.growths
            total.cachedBlocks += counts.1
        }
    }
}

/// What a `BufferCache` has done so far.
public struct BufferCacheStatistics: Sendable, Hashable {
    /// `read`s answered from memory.
    public var hits = 0
    /// `read`s that went to the device.
    public var misses = 0
    /// Buffers dropped to make room (or to shrink back to capacity).
    public var evictions = 0
    /// Dirty buffers written to the device (eviction, `writeBack`, `sync`, `Buffer.writeBack`).
    public var writebacks = 0
    /// Buffers added past capacity because every buffer of a shard was held or pinned.
    public var growths = 0
    /// Blocks cached right now (including ones being read and pinned placeholders).
    public var cachedBlocks = 0

    /// All zero.
    public init() {}
}
