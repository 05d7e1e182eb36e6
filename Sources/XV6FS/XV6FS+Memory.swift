import BentoKit

// The daemon's memory: one budget for the buffer cache and the inode table (`-o cache_size=`), split between
// them, and the counters `bento stats` shows for both. What the kernel caches (names, attributes, pages) is
// the kernel's memory, not the daemon's; what the daemon keeps per kernel-held name when that name's inode is
// evicted is its lookup count (InodeTable).

extension XV6FS {
    /// The budget when the mount names none.
    public static let defaultCacheSize: UInt64 = 256 << 20
    /// What one inode in the table costs, measured with `bench/xv6fs-memory.sh` (the object, its two locks, its
    /// block pointers, its table slot, malloc's rounding), with room to spare.
    static let bytesPerCachedInode: UInt64 = 1024
    /// Blocks the journal may pin beyond its own size while a transaction commits and the next one runs.
    static let workingBlocks: UInt64 = 1024

    /// The buffer cache's capacity in blocks and the inode table's in inodes, for `options` on an image whose
    /// journal has `journalBlocks` blocks. A `cacheSize` is split by `cacheShares`, and refused when its block
    /// share cannot hold the journal (which pins every block it logs).
    static func cacheCapacities(_ options: Options, journalBlocks: UInt64) throws(MountError) -> (blocks: Int, inodes: Int) {
        let needed = journalBlocks + workingBlocks
        if let size = options.cacheSize {
            let shares = cacheShares(size)
            guard UInt64(shares.blocks) >= needed else {
                let minimum = (needed * UInt64(Format.blockSize) * 8 / 5 + (1 << 20) - 1) >> 20
                throw MountError("cache_size=\(size >> 20)M is too small for this image: its journal alone can pin "
                                 + "\((journalBlocks * UInt64(Format.blockSize)) >> 20) MiB; use cache_size=\(minimum)M or more")
            }
            return shares
        }
        let defaults = cacheShares(defaultCacheSize)
        return (options.cacheBlocks ?? max(defaults.blocks, Int(journalBlocks) + 8192), options.inodeCapacity ?? defaults.inodes)
    }

    /// Five eighths of `bytes` as 4 KiB blocks, an eighth as inodes; the last quarter is the daemon's own (the
    /// Swift runtime, the transport's request buffers — 16 MiB for two io_uring queues —, the journal's frozen
    /// copies, parked lookup counts, the allocator's slack), so that the whole daemon stays within `bytes`.
    static func cacheShares(_ bytes: UInt64) -> (blocks: Int, inodes: Int) {
        (Int(clamping: bytes / 8 * 5 / UInt64(Format.blockSize)), Int(clamping: bytes / 8 / bytesPerCachedInode))
    }

    /// The caches' counters for `bento stats`: blocks and inodes in memory against their capacities, inodes
    /// evicted, and kernel-held inodes whose lookup counts are parked outside the table.
    public var counters: [FileSystemCounter] {
        let inodes = table.counts
        let buffers = cache.statistics
        return [
            FileSystemCounter("cache_blocks", Int64(buffers.cachedBlocks)),
            FileSystemCounter("cache_blocks_evicted", Int64(buffers.evictions)),
            FileSystemCounter("cache_blocks_capacity", Int64(cache.capacity)),
            FileSystemCounter("inodes_cached", Int64(inodes.cached)),
            FileSystemCounter("inodes_capacity", Int64(table.capacity)),
            FileSystemCounter("inodes_evicted", Int64(clamping: inodes.evictions)),
            FileSystemCounter("inodes_parked", Int64(inodes.parked)),
        ] + operationLogCounters
    }
}
