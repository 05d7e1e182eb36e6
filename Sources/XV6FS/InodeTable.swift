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
// Lifecycle: an inode stays cached while it is in use; once it has no links, no kernel lookups and no open
// handles, `XV6FS.releaseIfUnused` frees it on disk and evicts it.

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

    init(number: UInt32, disk: DiskInode, lastTransaction: UInt64) {
        self.number = number
        self.state = Mutex(InodeState(disk: disk, lastTransaction: lastTransaction))
    }

    /// The inode as the kernel names it.
    var inode: Inode { Inode(UInt64(number)) }
    /// A snapshot of the disk inode.
    var disk: DiskInode { state.withLock { $0.disk } }
}

/// Every inode in use, by number.
final class InodeTable: Sendable {
    let superblock: Superblock
    let journal: Journal
    private let objects = Mutex<[UInt32: CachedInode]>([:])

    init(superblock: Superblock, journal: Journal) {
        self.superblock = superblock
        self.journal = journal
    }

    /// The inode numbered `number`: `ENOENT` when out of range or free, `EIO` when its slot is corrupted.
    func get(_ number: UInt64) throws(Errno) -> CachedInode {
        guard number >= 1, number < superblock.inodeCount else { throw .noSuchFileOrDirectory }
        let number = UInt32(number)
        if let cached = objects.withLock({ $0[number] }) { return cached }
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
        let loaded = CachedInode(number: number, disk: disk, lastTransaction: journal.running.withLock { $0.sequence })
        return objects.withLock { table in
            if let raced = table[number] { return raced }
            table[number] = loaded
            return loaded
        }
    }

    /// A new in-memory inode for a number the allocator just handed out; the caller stores it.
    func make(_ number: UInt32, disk: DiskInode) -> CachedInode {
        let made = CachedInode(number: number, disk: disk, lastTransaction: 0)  // the caller stores it
        objects.withLock { $0[number] = made }
        return made
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
        _ = objects.withLock { $0.removeValue(forKey: number) }
    }

    /// Every cached inode (for unmount).
    var cached: [CachedInode] { objects.withLock { Array($0.values) } }
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
