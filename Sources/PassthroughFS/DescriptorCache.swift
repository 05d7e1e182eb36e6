import BentoSystem

/// A bounded, least-recently-used set of open `O_PATH` descriptors, keyed by node id.
///
/// The passthrough file system names every inode by its file handle and keeps descriptors only here, so the
/// number it holds open stays at `capacity` however many inodes the kernel remembers. An evicted descriptor is
/// reopened from its handle on the next use. Not synchronized: the owner keeps it behind a lock. Evicted
/// descriptors are handed back so the owner can drop (close) them after unlocking.
struct DescriptorCache {
    private struct Slot {
        var descriptor: HostDescriptor
        var newer: UInt64?
        var older: UInt64?
    }

    /// The most descriptors kept open at once.
    let capacity: Int
    private var slots: [UInt64: Slot] = [:]
    private var newest: UInt64?
    private var oldest: UInt64?

    /// An empty cache holding at most `capacity` descriptors (at least one).
    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// How many descriptors are cached.
    var count: Int { slots.count }

    /// The cached descriptor for `key`, marking it the most recently used.
    mutating func descriptor(for key: UInt64) -> HostDescriptor? {
        guard let slot = slots[key] else { return nil }
        unlink(key)
        pushNewest(key, slot.descriptor)
        return slot.descriptor
    }

    /// Caches `descriptor` for `key` (replacing any older one) and returns what fell out: the replaced
    /// descriptor and the least recently used ones past `capacity`.
    mutating func insert(_ descriptor: HostDescriptor, for key: UInt64) -> [HostDescriptor] {
        var dropped: [HostDescriptor] = []
        if let old = remove(key) { dropped.append(old) }
        pushNewest(key, descriptor)
        while slots.count > capacity, let victim = oldest, let old = remove(victim) {
            dropped.append(old)
        }
        return dropped
    }

    /// Takes `key`'s descriptor out of the cache, if cached.
    @discardableResult
    mutating func remove(_ key: UInt64) -> HostDescriptor? {
        guard let slot = slots[key] else { return nil }
        unlink(key)
        return slot.descriptor
    }

    private mutating func pushNewest(_ key: UInt64, _ descriptor: HostDescriptor) {
        slots[key] = Slot(descriptor: descriptor, newer: nil, older: newest)
        if let previous = newest { slots[previous]?.newer = key }
        newest = key
        if oldest == nil { oldest = key }
    }

    private mutating func unlink(_ key: UInt64) {
        guard let slot = slots.removeValue(forKey: key) else { return }
        if let newer = slot.newer { slots[newer]?.older = slot.older } else { newest = slot.older }
        if let older = slot.older { slots[older]?.newer = slot.newer } else { oldest = slot.newer }
    }
}
