import BentoKit
import BentoServices

// The end of inodes and of the mount: freeing inodes nobody uses any more, the orphan sweep after a crash,
// sync, and destroy (unmount).

extension XV6FS {
    /// Frees `object` on disk once it has no links, no kernel lookups and no open handles.
    func releaseIfUnused(_ object: CachedInode) throws(Errno) {
        guard object.number != UInt32(Inode.root.rawValue), isUnused(object), !readOnly.load(ordering: .relaxed) else { return }
        try journal.transaction { (handle: Handle) throws(Errno) in
            try withLocks([object]) { () throws(Errno) in
                guard isUnused(object), !object.disk.isFree else { return }
                try free(object, handle)
            }
        }
    }

    private func isUnused(_ object: CachedInode) -> Bool {
        object.state.withLock { $0.disk.linkCount == 0 && $0.lookups == 0 && $0.opens == 0 }
    }

    /// Frees an inode's blocks, xattr block and slot. Call with its change lock held.
    func free(_ object: CachedInode, _ handle: Handle) throws(Errno) {
        try table.change(object, handle) { (disk: inout DiskInode) throws(Errno) in
            try map.free(&disk, 0..<Format.maximumFileSize / UInt64(Format.blockSize), handle)
            if disk.xattrBlock != 0 { try allocator.freeBlock(disk.xattrBlock, handle) }
            disk = DiskInode()
        }
        try allocator.freeInode(object.number, handle)
        table.evict(object.number)
    }

    /// After an unclean shutdown: frees every inode left with no links (files unlinked while open).
    func freeOrphans() throws(Errno) {
        let perBlock = UInt64(Format.inodesPerBlock)
        var start: UInt64 = 0
        while start < superblock.inodeTableBlocks {
            let count = min(256, superblock.inodeTableBlocks - start)
            let bytes = try device.read(BlockNumber(superblock.inodeTableStart + start), count: Int(count))
            for slot in 0..<count * perBlock {
                let number = (start * perBlock) + slot
                guard number >= 2, number < superblock.inodeCount else { continue }
                let offset = Int(slot) * Format.inodeSize
                guard bytes.load(UInt32.self, at: offset) != 0, bytes.load(UInt32.self, at: offset + 12) == 0 else { continue }
                guard let object = try? table.get(number) else { continue }
                try journal.transaction { (handle: Handle) throws(Errno) in
                    try withLocks([object]) { () throws(Errno) in try free(object, handle) }
                }
            }
            start += count
        }
    }

    /// Makes everything done so far durable and writes it home (the journal is empty afterwards).
    public func sync() throws(Errno) {
        flushOperationLog()
        try journal.checkpoint()
    }

    /// Unmounts: frees inodes still waiting for their last close, checkpoints, and marks the image clean.
    public func destroy() {
        guard !isDestroyed.exchange(true, ordering: .acquiringAndReleasing), !options.readOnly else { return }
        flushOperationLog()
        for object in table.cached where object.disk.linkCount == 0 && !object.disk.isFree {
            _ = try? journal.transaction { (handle: Handle) throws(Errno) in
                try withLocks([object]) { () throws(Errno) in try free(object, handle) }
            }
        }
        guard (try? journal.shutdown()) != nil, !journal.hasFailed else { return }
        var clean = superblock
        clean.state = .clean
        (clean.freeBlocks, clean.freeInodes) = allocator.freeCounts
        try? device.write(BlockNumber(0), clean.encoded)
        try? device.flush()
    }
}
