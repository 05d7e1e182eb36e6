import BentoKit
import BentoServices
import Synchronization

// The inode layer's cache: one `CachedInode` per inode in use, loaded from the inode table on first use.
//
// What it offers: `get` (load or find), `make` (a new inode), `store` (write an inode's slot in a transaction),
// `evict`, and `withLocks` for operations on several inodes.
//
// Locking: each inode has two locks. `lock` serializes the operations that change the inode (held across their
// I/O, like xv6's ilock); `state` guards the in-memory copy and the counters and is held only for a moment, so
// getattr and lookup never wait behind a long write. Several inode locks are taken in the order the caller gives:
// parents before children (ancestors first), otherwise by inode number (`withLocks` sorts when asked).
// The table's own mutex is held only to find or insert an entry.
//
// Lifecycle: an inode is loaded on first use; once it has no links, no kernel lookups and no open handles,
// `XV6FS.releaseIfUnused` frees it on disk and evicts it.
//
// Memory: the table keeps at most `capacity` inodes. Past it, it evicts inodes down to 7/8 of the capacity, by
// the clock (an inode used since the hand last passed is skipped once): only inodes with links, no open handles and
// no thread holding them (the table's reference is the only one: `isKnownUniquelyReferenced`, checked under the
// table's mutex, through which every other reference is taken). Nothing is lost: every change is written through
// to the journal's copy of the inode block as it is made (`store`), so an evicted inode is reloaded as it was.
// What the kernel holds is kept apart: an evicted inode's lookup count is parked (a few bytes per inode) and given
// back when it is loaded again, so the daemon's memory follows the budget, not the number of names the kernel
// caches. A load racing an eviction reads again (`epoch`), so a stale copy never enters the table.

/// What the file system knows about one inode beyond its disk slot.
struct InodeState: Sendable {
    /// The on-disk inode as last stored (or being changed under `lock`).
    var disk: DiskInode
    /// Entries the kernel holds (FUSE lookup count).
    var lookups: UInt64 = 0
    /// Open handles.
    var opens = 0
    /// The transaction that last changed the inode (fsync commits through it). An inode loaded from disk takes
    /// the transaction running then: it may hold changes made before the inode was evicted, or made by the
    /// version a live upgrade replaced.
    var lastTransaction: UInt64
    /// A directory's name index, once built.
    var index: DirectoryIndex?
}

/// One inode in memory.
final class CachedInode: Sendable {
    /// Its number (the FUSE node id).
    let number: UInt32
    /// Serializes changes to the inode; held across their I/O.
    let lock = Mutex<Void>(())
    /// The in-memory copy and counters; held only briefly.
    let state: Mutex<InodeState>
    /// Used since the table's last eviction pass (its second chance).
    let recentlyUsed = Atomic<Bool>(true)

    init(number: UInt32, disk: DiskInode, lastTransaction: UInt64) {
        self.number = number
        self.state = Mutex(InodeState(disk: disk, lastTransaction: lastTransaction))
    }

    /// The inode as the kernel names it.
    var inode: Inode { Inode(UInt64(number)) }
    /// A snapshot of the disk inode.
    var disk: DiskInode { state.withLock { $0.disk } }
}

/// Every inode in use, by number, up to a capacity (see the file's comment).
final class InodeTable: Sendable {
    let superblock: Superblock
    let journal: Journal
    /// Inodes kept in memory; past it, unused ones are evicted.
    let capacity: Int
    private let contents = Mutex(Contents())

    /// The table's state, under one mutex held only to find, insert or evict.
    private struct Contents {
        /// The inodes in memory.
        var objects: [UInt32: CachedInode] = [:]
        /// Kernel lookups of inodes evicted while the kernel held them, given back when they are loaded again.
        var parkedLookups: [UInt32: UInt64] = [:]
        /// The eviction clock: numbers in the order they were loaded (with stale ones, dropped as the hand passes
        /// them), and the hand's position.
        var clock: [UInt32] = []
        var hand = 0
        /// Eviction passes so far: a load that started before one reads again.
        var epoch: UInt64 = 0
        /// Inodes evicted so far.
        var evictions: UInt64 = 0
    }

    /// A table of at most `capacity` inodes (at least 64).
    init(superblock: Superblock, journal: Journal, capacity: Int) {
        self.superblock = superblock
        self.journal = journal
        self.capacity = max(capacity, 64)
    }

    /// The inode numbered `number`: `ENOENT` when out of range or free, `EIO` when its slot is corrupted.
    func get(_ number: UInt64) throws(Errno) -> CachedInode {
        guard number >= 1, number < superblock.inodeCount else { throw .noSuchFileOrDirectory }
        let number = UInt32(number)
        while true {
            let (cached, epoch) = contents.withLock { ($0.objects[number], $0.epoch) }
            if let cached {
                cached.recentlyUsed.store(true, ordering: .relaxed)
                return cached
            }
            let loaded = try load(number)
            let inserted = contents.withLock { contents -> CachedInode? in
                if let raced = contents.objects[number] { return raced }
                guard contents.epoch == epoch else { return nil }  // evicted meanwhile: what was read may be stale
                if let lookups = contents.parkedLookups.removeValue(forKey: number) {
                    loaded.state.withLock { $0.lookups = lookups }
                }
                contents.objects[number] = loaded
                contents.clock.append(number)
                shrinkIfFull(&contents)
                return loaded
            }
            if let inserted { return inserted }
        }
    }

    /// Reads inode `number` from its block (the journal's copy, holding every change made so far).
    private func load(_ number: UInt32) throws(Errno) -> CachedInode {
        let location = superblock.inodeLocation(number)
        let disk: DiskInode
        do {
            disk = try DiskInode(decoding: try journal.read(location.block), at: location.offset, number: number)
        } catch let error as Errno {
            throw error
        } catch {
            throw .ioError
        }
        guard !disk.isFree else { throw .noSuchFileOrDirectory }
        return CachedInode(number: number, disk: disk, lastTransaction: journal.running.withLock { $0.sequence })
    }

    /// A new in-memory inode for a number the allocator just handed out; the caller stores it.
    func make(_ number: UInt32, disk: DiskInode) -> CachedInode {
        let made = CachedInode(number: number, disk: disk, lastTransaction: 0)  // the caller stores it
        contents.withLock { contents in
            contents.parkedLookups[number] = nil
            contents.objects[number] = made
            contents.clock.append(number)
            shrinkIfFull(&contents)
        }
        return made
    }

    /// Evicts unused inodes down to 7/8 of the capacity once the table holds more than it, by the clock: the
    /// hand skips (and clears) inodes used since it last passed, and keeps those with no links, with open handles,
    /// or held by a thread. At most two turns of the clock per call.
    private func shrinkIfFull(_ contents: inout Contents) {
        guard contents.objects.count > capacity else { return }
        let target = capacity - capacity / 8
        var steps = 2 * contents.clock.count
        while contents.objects.count > target, steps > 0, !contents.clock.isEmpty {
            steps -= 1
            if contents.hand >= contents.clock.count { contents.hand = 0 }
            let number = contents.clock[contents.hand]
            guard var object = contents.objects.removeValue(forKey: number) else {
                dropFromClock(&contents)  // evicted or freed earlier: a stale entry
                continue
            }
            if number == UInt32(Inode.root.rawValue) || object.recentlyUsed.exchange(false, ordering: .relaxed) {
                contents.objects[number] = object
                contents.hand += 1
                continue
            }
            // A state lock held by another thread (a directory building its index) means the inode is in use.
            let (evictable, lookups) = object.state.withLockIfAvailable { ($0.opens == 0 && $0.disk.linkCount > 0, $0.lookups) }
                ?? (false, 0)
            if evictable, isKnownUniquelyReferenced(&object) {
                if lookups > 0 { contents.parkedLookups[number] = lookups }
                contents.evictions += 1
                dropFromClock(&contents)
            } else {
                contents.objects[number] = object
                contents.hand += 1
            }
        }
        contents.epoch &+= 1
    }

    /// Removes the clock's entry under the hand (the last entry takes its place).
    private func dropFromClock(_ contents: inout Contents) {
        contents.clock.swapAt(contents.hand, contents.clock.count - 1)
        contents.clock.removeLast()
    }

    /// Writes `disk` as inode `object`'s slot in `handle`'s transaction and makes it the in-memory copy.
    func store(_ object: CachedInode, _ disk: DiskInode, _ handle: Handle) throws(Errno) {
        let location = superblock.inodeLocation(object.number)
        try journal.update(location.block, handle) { bytes in disk.encode(into: &bytes, at: location.offset, number: object.number) }
        object.state.withLock { state in
            state.disk = disk
            state.lastTransaction = handle.sequence
        }
    }

    /// Runs `body` on a copy of `object`'s disk inode and stores the copy afterwards, even when `body` throws
    /// (so blocks it allocated before failing stay accounted for). Call with `object.lock` held.
    func change<Result>(_ object: CachedInode, _ handle: Handle,
                        _ body: (inout DiskInode) throws(Errno) -> Result) throws(Errno) -> Result {
        let before = object.disk
        var disk = before
        let result: Result
        do {
            result = try body(&disk)
        } catch {
            if disk != before { try store(object, disk, handle) }
            throw error
        }
        if disk != before { try store(object, disk, handle) }
        return result
    }

    /// Forgets a freed inode.
    func evict(_ number: UInt32) {
        contents.withLock { contents in
            contents.objects[number] = nil
            contents.parkedLookups[number] = nil
        }
    }

    /// Every cached inode (for unmount).
    var cached: [CachedInode] { contents.withLock { Array($0.objects.values) } }

    /// Every inode the kernel or an open file holds, cached or not: number, kernel lookups, open handles (for an
    /// upgrade's state).
    var inUse: [(number: UInt32, lookups: UInt64, opens: Int)] {
        contents.withLock { contents in
            contents.objects.values.compactMap { object in
                object.state.withLock { $0.lookups > 0 || $0.opens > 0 ? (object.number, $0.lookups, $0.opens) : nil }
            } + contents.parkedLookups.map { (number: $0.key, lookups: $0.value, opens: 0) }
        }
    }

    /// Inodes in memory, inodes whose lookups are parked, and evictions so far (for `bento stats`).
    var counts: (cached: Int, parked: Int, evictions: UInt64) {
        contents.withLock { ($0.objects.count, $0.parkedLookups.count, $0.evictions) }
    }
}

/// Runs `body` holding the change locks of `objects` in the order given (duplicates taken once).
func withLocks<Result>(_ objects: [CachedInode], _ body: () throws(Errno) -> Result) throws(Errno) -> Result {
    var seen = Set<UInt32>()
    let unique = objects.filter { seen.insert($0.number).inserted }
    return try lockAll(unique[...], body)
}

private func lockAll<Result>(_ objects: ArraySlice<CachedInode>, _ body: () throws(Errno) -> Result) throws(Errno) -> Result {
    guard let first = objects.first else { return try body() }
    var outcome: Swift.Result<Result, Errno> = .failure(.ioError)
    first.lock.withLock { _ in
        outcome = Swift.Result { () throws(Errno) -> Result in try lockAll(objects.dropFirst(), body) }
    }
    return try outcome.get()
}
