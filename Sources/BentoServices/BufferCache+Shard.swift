import BentoSystem
import Synchronization

/// One cached block: its contents and who holds, waits for or pins it.
///
/// Two kinds of fields, two rules (this is the `@unchecked Sendable` invariant):
/// - `references`, `holder`, `waiters`, `pins`, the LRU links and `block` change only under the shard's lock.
/// - `data`, `isDirty` and `isValid` are written only by the thread that holds the entry (`holder`), and read by
///   it, or by anyone under the shard lock while nobody holds the entry. Giving up the hold takes the shard lock,
///   which orders the holder's writes before every later reader.
final class CacheEntry: @unchecked Sendable {
    /// Its index in the shard's `entries` (stable for the entry's life).
    let slot: Int
    /// Where holders-to-be sleep; signalled (one at a time) when the hold is given up.
    let condition = ThreadCondition()

    /// The block it caches (meaningless while the slot is free).
    var block = BlockNumber(0)
    /// Holders, waiters and cache operations using it; at zero (and unpinned) it may be evicted.
    var references = 0
    /// The thread holding it exclusively (`currentThreadIdentity`), or nil.
    var holder: UInt?
    /// Threads asleep on `condition`.
    var waiters = 0
    /// Outstanding `pin` calls: while positive the cache neither evicts nor writes it back on its own.
    var pins = 0
    /// Whether it sits in the shard's LRU list.
    var isListed = false
    /// Less recently released neighbour in the LRU list, or -1.
    var older = -1
    /// More recently released neighbour in the LRU list, or -1.
    var newer = -1

    /// The block's contents (empty while not valid).
    var data: [UInt8] = []
    /// Modified since it was last written to the device.
    var isDirty = false
    /// `data` holds the block (read from the device, or zeroed); false while loading or after a failed read.
    var isValid = false

    init(slot: Int) { self.slot = slot }
}

/// How many buffers the whole cache holds, against its capacity: shared by the shards, so a shard whose blocks are
/// in demand holds more than an even share. Updated atomically whenever a shard adds or drops a block; two shards
/// missing at the same moment may each add one past the capacity (the excess is dropped as buffers are released).
final class CacheBudget: Sendable {
    /// Buffers kept before eviction.
    let capacity: Int
    /// Blocks cached now, over all shards.
    let count = Atomic<Int>(0)

    init(capacity: Int) { self.capacity = capacity }

    /// Whether another buffer fits without evicting.
    var hasRoom: Bool { count.load(ordering: .relaxed) < capacity }

    /// Whether the cache holds more than its capacity (after growing while everything was held or pinned).
    var isOver: Bool { count.load(ordering: .relaxed) > capacity }
}

/// A slice of the cache: the blocks whose number hashes to it, under one lock, with its own LRU list. The capacity
/// is shared (`CacheBudget`): a miss takes a new buffer while the cache has room, else evicts this shard's least
/// recently released buffer.
///
/// `@unchecked Sendable`: every `var` is read and written only with `lock` held.
final class CacheShard: @unchecked Sendable {
    /// Guards everything here and the entries' lock-guarded fields.
    let lock = ThreadMutex()
    /// The cache-wide count of buffers against the capacity.
    let budget: CacheBudget

    /// Every entry ever made here; an entry's index is its `slot`.
    var entries: [CacheEntry] = []
    /// The cached blocks.
    var table: [BlockNumber: CacheEntry] = [:]
    /// Slots of entries caching nothing, ready for reuse.
    var freeSlots: [Int] = []
    /// The least recently released evictable entry, or -1.
    var oldest = -1
    /// The most recently released evictable entry, or -1.
    var newest = -1
    /// This shard's counters.
    var statistics = BufferCacheStatistics()

    init(budget: CacheBudget) { self.budget = budget }

    /// Appends `entry` to the LRU list as its newest (or, with `asOldest`, its first to evict).
    func list(_ entry: CacheEntry, asOldest: Bool = false) {
        if asOldest {
            entry.older = -1
            entry.newer = oldest
            if oldest >= 0 { entries[oldest].older = entry.slot } else { newest = entry.slot }
            oldest = entry.slot
        } else {
            entry.newer = -1
            entry.older = newest
            if newest >= 0 { entries[newest].newer = entry.slot } else { oldest = entry.slot }
            newest = entry.slot
        }
        entry.isListed = true
    }

    /// Takes `entry` out of the LRU list (nothing if it is not there).
    func unlist(_ entry: CacheEntry) {
        guard entry.isListed else { return }
        if entry.older >= 0 { entries[entry.older].newer = entry.newer } else { oldest = entry.newer }
        if entry.newer >= 0 { entries[entry.newer].older = entry.older } else { newest = entry.older }
        entry.older = -1
        entry.newer = -1
        entry.isListed = false
    }

    /// A new reference to `entry` (a future holder or a cache operation): it is no longer evictable.
    func reference(_ entry: CacheEntry) {
        entry.references += 1
        unlist(entry)
    }

    /// Sleeps until nobody holds `entry`, then holds it for the calling thread. The caller has referenced it.
    func hold(_ entry: CacheEntry, as thread: UInt) {
        while entry.holder != nil {
            entry.waiters += 1
            entry.condition.wait(lock)
            entry.waiters -= 1
        }
        entry.holder = thread
    }

    /// Gives up the hold and the reference: wakes the next waiter, or puts the entry where it now belongs.
    func unhold(_ entry: CacheEntry) {
        entry.holder = nil
        entry.references -= 1
        if entry.waiters > 0 {
            entry.condition.signal()
        } else {
            settle(entry)
        }
    }

    /// Files an entry that may have just lost its last reference or pin: an unused, unpinned entry goes to the
    /// LRU list — or out of the cache when it holds nothing valid, or when the cache is over capacity and it is
    /// clean (shrinking back after a growth).
    func settle(_ entry: CacheEntry) {
        guard entry.references == 0, entry.pins == 0, !entry.isListed else { return }
        if !entry.isValid {
            remove(entry)
        } else if budget.isOver && !entry.isDirty {
            remove(entry)
            statistics.evictions += 1
        } else {
            list(entry)
        }
    }

    /// Caches `entry` as `block` (a free entry, made by `freeEntry`).
    func insert(_ entry: CacheEntry, as block: BlockNumber) {
        entry.block = block
        table[block] = entry
        budget.count.add(1, ordering: .relaxed)
    }

    /// Drops an unreferenced entry from the cache and frees its slot.
    func remove(_ entry: CacheEntry) {
        unlist(entry)
        table[entry.block] = nil
        budget.count.subtract(1, ordering: .relaxed)
        entry.data = []
        entry.isDirty = false
        entry.isValid = false
        freeSlots.append(entry.slot)
    }

    /// An entry caching nothing, from the free slots or newly made (no eviction).
    func freeEntry() -> CacheEntry {
        if let slot = freeSlots.popLast() { return entries[slot] }
        let entry = CacheEntry(slot: entries.count)
        entries.append(entry)
        return entry
    }
}
