import BentoKit
import BentoServices

// The directory layer (xv6's dirlookup and dirlink): names in a directory's blocks, found through the
// in-memory index.
//
// What it offers: `lookup`, `insert`, `remove`, `repoint` and `list` (readdir order: by position in the
// directory, which never changes for a record, so a position is a stable cookie).
//
// Locking: changes run with the directory's change lock held, inside a handle; the index is read and updated
// under the directory's state lock (and built there, once). Lookups and listings take no change lock: each
// block they read is a consistent snapshot (the buffer cache hands a block to one holder at a time).

/// Names in directories.
struct Directories: Sendable {
    let map: BlockMap
    private var journal: Journal { map.journal }

    /// The first cookie of a record (`.` and `..` take 1 and 2).
    static let cookieBase: UInt64 = 3

    /// `name` in `directory`, if present.
    func lookup(_ name: FileName, in directory: CachedInode) throws(Errno) -> DirectorySlot? {
        try withIndex(of: directory) { $0[name] }
    }

    /// Runs `body` on `directory`'s index, building it first if needed.
    func withIndex<Result>(of directory: CachedInode, _ body: (inout DirectoryIndex) -> Result) throws(Errno) -> Result {
        try directory.state.withLock { (state: inout InodeState) throws(Errno) -> Result in
            if state.index == nil { state.index = try build(state.disk) }
            return body(&state.index!)
        }
    }

    /// How many blocks a directory has; a size beyond what a block number can name (a corrupt inode) counts
    /// as the most there can be, and the block map reports the missing blocks as EIO.
    static func blockCount(_ disk: DiskInode) -> UInt32 {
        UInt32(clamping: disk.size / UInt64(Format.blockSize))
    }

    /// Reads every block of a directory into a new index.
    private func build(_ disk: DiskInode) throws(Errno) -> DirectoryIndex {
        var index = DirectoryIndex()
        for block in 0..<Self.blockCount(disk) {
            index.index(block: block, records: try records(disk, block: block).records)
        }
        return index
    }

    /// The records of logical `block` of a directory, and its disk block.
    private func records(_ disk: DiskInode, block: UInt32) throws(Errno) -> (physical: BlockNumber, records: [DirectoryRecord]) {
        let physical = try map.lookup(disk, UInt64(block))
        guard physical != 0 else { throw .ioError }
        return (BlockNumber(UInt64(physical)), try Self.parse(try journal.read(BlockNumber(UInt64(physical)))))
    }

    /// The records of a directory block; a malformed block is EIO.
    static func parse(_ bytes: [UInt8]) throws(Errno) -> [DirectoryRecord] {
        do { return try DirectoryRecord.records(in: bytes) } catch { throw .ioError }
    }

    /// Adds `name` → `inode` to the directory whose disk inode is `disk` (growing it by a block when no block
    /// has room). Call with the directory's change lock held.
    func insert(_ name: FileName, inode: UInt32, type: FileType, into directory: CachedInode, _ disk: inout DiskInode,
                _ handle: Handle) throws(Errno) {
        let size = DirectoryRecord.size(nameLength: name.bytes.count)
        var block: UInt32
        if let found = try withIndex(of: directory, { $0.block(withRoom: size) }) {
            block = found
        } else {
            block = Self.blockCount(disk)
            let goal = block > 0 ? UInt64(try map.lookup(disk, UInt64(block - 1))).nonZero.map { $0 + 1 } : nil
            let physical = try map.map(&disk, UInt64(block), goal: goal, handle).block
            try journal.initialize(BlockNumber(UInt64(physical)), handle, to: DirectoryRecord.emptyBlock)
            disk.size += UInt64(Format.blockSize)
        }
        let (physical, records) = try records(disk, block: block)
        guard let position = records.firstIndex(where: { $0.length - $0.usedSize >= size }) else { throw .ioError }
        var changed = records
        let host = records[position]
        var added = DirectoryRecord(offset: host.offset, inode: inode, length: host.length, type: UInt8(type.directoryEntryType),
                                    name: name.bytes)
        if host.inode != 0 {
            changed[position].length = host.usedSize
            added.offset = host.offset + host.usedSize
            added.length = host.length - host.usedSize
            changed.insert(added, at: position + 1)
        } else {
            changed[position] = added
        }
        try journal.update(physical, handle) { bytes in
            changed[position].encode(into: &bytes)
            added.encode(into: &bytes)
        }
        let slot = DirectorySlot(block: block, offset: UInt16(added.offset), inode: inode, type: type)
        try withIndex(of: directory) { index in
            index.set(name, slot)
            index.setRoom(block: block, records: changed)
        }
    }

    /// Removes `name` from the directory: its record's space joins the record before it.
    func remove(_ name: FileName, from directory: CachedInode, _ handle: Handle) throws(Errno) {
        guard let slot = try lookup(name, in: directory) else { throw .noSuchFileOrDirectory }
        let (physical, records) = try records(directory.disk, block: slot.block)
        guard let position = records.firstIndex(where: { $0.offset == Int(slot.offset) }) else { throw .ioError }
        var changed = records
        if position > 0 {
            changed[position - 1].length += records[position].length
            changed.remove(at: position)
        } else {
            changed[0].inode = 0
            changed[0].name = []
        }
        let rewritten = changed[max(position - 1, 0)]
        try journal.update(physical, handle) { bytes in
            rewritten.encode(into: &bytes)
        }
        try withIndex(of: directory) { index in
            index.remove(name)
            index.setRoom(block: slot.block, records: changed)
        }
    }

    /// Points the existing entry `name` at another object, keeping its place.
    func repoint(_ name: FileName, in directory: CachedInode, to inode: UInt32, type: FileType, _ handle: Handle) throws(Errno) {
        guard var slot = try lookup(name, in: directory) else { throw .noSuchFileOrDirectory }
        let physical = try map.lookup(directory.disk, UInt64(slot.block))
        guard physical != 0 else { throw .ioError }
        try journal.update(BlockNumber(UInt64(physical)), handle) { bytes in
            bytes.store(inode, at: Int(slot.offset))
            bytes.store(UInt8(type.directoryEntryType), at: Int(slot.offset) + 7)
        }
        slot.inode = inode
        slot.type = type
        let updated = slot
        try withIndex(of: directory) { $0.set(name, updated) }
    }

    /// Calls `visit` with each entry whose cookie is greater than `cookie`, in cookie order, until it answers false.
    func list(_ disk: DiskInode, after cookie: UInt64,
              _ visit: (FileName, DirectorySlot, _ cookie: UInt64) throws(Errno) -> Bool) throws(Errno) {
        let after: UInt64? = cookie >= Self.cookieBase ? cookie - Self.cookieBase : nil
        // The cookie is the caller's number (a far `lseek` on the directory): past the last block lists nothing.
        let first = (after ?? 0) / UInt64(Format.blockSize)
        let count = Self.blockCount(disk)
        guard first < UInt64(count) else { return }
        for block in UInt32(first)..<count {
            for record in try records(disk, block: block).records where record.inode != 0 {
                guard let name = try? FileName(validating: record.name),
                      let type = FileType(directoryEntryType: record.type) else { continue }
                let slot = DirectorySlot(block: block, offset: UInt16(record.offset), inode: record.inode, type: type)
                if let after, slot.position <= after { continue }
                guard try visit(name, slot, slot.position + Self.cookieBase) else { return }
            }
        }
    }
}
