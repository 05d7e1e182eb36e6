import BentoKit
import BentoSystem

/// Getting a block held (hit, or miss with eviction), giving it back, and writing buffers back.
extension BufferCache {
    /// The entry for `block`, held by the calling thread; on a miss makes room (evicting, writing back a dirty
    /// victim first) and, with `load`, reads the block from the device.
    func acquire(_ block: BlockNumber, load: Bool) throws(Errno) -> CacheEntry {
        let shard = shard(for: block)
        let thread = currentThreadIdentity()
        shard.lock.lock()
        while true {
            if let entry = shard.table[block] {
                precondition(entry.holder != thread, "\(block) is already held by this thread: release it before asking again")
                shard.reference(entry)
                shard.hold(entry, as: thread)
                if entry.isValid || !load {
                    if load { shard.statistics.hits += 1 }
                    shard.lock.unlock()
                    return entry
                }
                shard.statistics.misses += 1
                shard.lock.unlock()
                return try fill(entry, in: shard)
            }
            switch makeRoom(in: shard, as: thread) {
            case .failure(let error):
                shard.lock.unlock()
                throw error
            case .success(nil):
                continue
            case .success(let entry?):
                entry.references = 1
                entry.holder = thread
                shard.insert(entry, as: block)
                if load { shard.statistics.misses += 1 }
                shard.lock.unlock()
                return load ? try fill(entry, in: shard) : entry
            }
        }
    }

    /// Reads a held entry's block from the device. On failure gives the entry up (it stays invalid, so the next
    /// thread asking tries the device again) and throws.
    private func fill(_ entry: CacheEntry, in shard: CacheShard) throws(Errno) -> CacheEntry {
        do throws(Errno) {
            entry.data = try device.read(entry.block)
            entry.isValid = true
            entry.isDirty = false
            return entry
        } catch {
            shard.lock.withLock { shard.unhold(entry) }
            throw error
        }
    }

    /// A free entry for a new block, with the shard locked: a new one while the cache has room, else the
    /// shard's LRU victim. A dirty victim is written back with the shard unlocked and `nil` returned (the caller looks the
    /// block up again: the table may have changed meanwhile). With nothing evictable the shard grows.
    private func makeRoom(in shard: CacheShard, as thread: UInt) -> Result<CacheEntry?, Errno> {
        if shard.budget.hasRoom || shard.oldest < 0 {
            if !shard.budget.hasRoom { shard.statistics.growths += 1 }
            return .success(shard.freeEntry())
        }
        let victim = shard.entries[shard.oldest]
        guard victim.isDirty else {
            shard.remove(victim)
            shard.statistics.evictions += 1
            return .success(shard.freeEntry())
        }
        shard.reference(victim)
        victim.holder = thread
        shard.lock.unlock()
        let written = Result { () throws(Errno) in try device.write(victim.block, victim.data) }
        shard.lock.lock()
        if case .success = written {
            victim.isDirty = false
            shard.statistics.writebacks += 1
        }
        victim.holder = nil
        victim.references -= 1
        if victim.waiters > 0 {
            victim.condition.signal()
        } else if victim.references == 0, victim.pins == 0 {
            shard.list(victim, asOldest: true)
        }
        return written.map { nil }
    }

    /// Gives up the hold on `entry` (a `Buffer` was released or dropped).
    func release(_ entry: CacheEntry) {
        let shard = shard(for: entry.block)
        shard.lock.withLock { shard.unhold(entry) }
    }

    /// Writes `block` back if it is cached, valid and dirty, holding it meanwhile (or, when the calling thread
    /// already holds it, writing its contents as they are).
    func writeBack(_ block: BlockNumber, skippingPinned: Bool) throws(Errno) {
        let shard = shard(for: block)
        let thread = currentThreadIdentity()
        shard.lock.lock()
        guard let entry = shard.table[block], !(skippingPinned && entry.pins > 0) else {
            shard.lock.unlock()
            return
        }
        if entry.holder == thread {
            shard.lock.unlock()
            try writeHeld(entry)
            return
        }
        shard.reference(entry)
        shard.hold(entry, as: thread)
        shard.lock.unlock()
        defer { release(entry) }
        if !(skippingPinned && entry.pins > 0) { try writeHeld(entry) }
    }

    /// Writes a held entry to the device if it is valid and dirty, then marks it clean.
    func writeHeld(_ entry: CacheEntry) throws(Errno) {
        guard entry.isValid, entry.isDirty else { return }
        try device.write(entry.block, entry.data)
        entry.isDirty = false
        let shard = shard(for: entry.block)
        shard.lock.withLock { shard.statistics.writebacks += 1 }
    }
}
