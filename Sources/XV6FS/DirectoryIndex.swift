import BentoKit

// The in-memory hash index of one directory: name → where its record lives, plus where free space is.
//
// Built by one pass over the directory's blocks the first time the directory is searched or changed, then kept
// in step with every insert, remove and repoint, so a lookup in a 100,000-entry directory is one hash probe and
// an insert finds room in a few probes of its free-space buckets. The on-disk format stays the plain record list (nothing to keep
// consistent across a crash); the index lives in the inode cache with the directory.
//
// Not thread-safe: a value in `InodeState`, read under the state lock, changed under the directory's change lock.

/// Where a directory record lives and what it names.
struct DirectorySlot: Sendable, Hashable {
    /// The directory's logical block holding the record.
    var block: UInt32
    /// The record's byte offset in that block.
    var offset: UInt16
    /// The inode named.
    var inode: UInt32
    /// Its type.
    var type: FileType

    /// The record's position in the directory, the base of its readdir cookie.
    var position: UInt64 { UInt64(block) * UInt64(Format.blockSize) + UInt64(offset) }
}

/// A directory's names and free space.
struct DirectoryIndex: Sendable {
    /// Every name in the directory.
    private(set) var names: [FileName: DirectorySlot] = [:]
    /// Logical blocks with room for at least the smallest record, and the largest free run in each.
    private(set) var room: [UInt32: Int] = [:]
    /// The same blocks by their largest free run in steps of `bucketBytes` (bucket k: a run of k × 64 up to
    /// k × 64 + 63 bytes), so an insert finds a block with room in a few probes, however many blocks are full
    /// but for a sliver (a directory of 100,000 names has thousands).
    private var buckets = [Set<UInt32>](repeating: [], count: Format.blockSize / Self.bucketBytes + 1)
    private static let bucketBytes = 64

    /// An empty index.
    init() {}

    /// The number of names.
    var count: Int { names.count }
    /// True when the directory holds no names.
    var isEmpty: Bool { names.isEmpty }

    /// The slot of `name`, if present.
    subscript(name: FileName) -> DirectorySlot? { names[name] }

    /// A logical block with a free run of at least `size` bytes, if any: any block of a bucket above `size`'s
    /// (all have room), else one of its own bucket that has.
    func block(withRoom size: Int) -> UInt32? {
        let own = min(max(size, 0) / Self.bucketBytes, buckets.count - 1)
        for bucket in buckets[(own + 1)...] where !bucket.isEmpty { return bucket.first }
        return buckets[own].first { (room[$0] ?? 0) >= size }
    }

    /// Records the records of logical block `block` (at build time or after it changed) and its free space.
    mutating func index(block: UInt32, records: [DirectoryRecord]) {
        for record in records where record.inode != 0 {
            guard let name = try? FileName(validating: record.name), let type = FileType(directoryEntryType: record.type) else {
                continue
            }
            names[name] = DirectorySlot(block: block, offset: UInt16(record.offset), inode: record.inode, type: type)
        }
        setRoom(block: block, records: records)
    }

    /// Updates the free space of `block` from its records.
    mutating func setRoom(block: UInt32, records: [DirectoryRecord]) {
        let largest = records.map { $0.length - $0.usedSize }.max() ?? 0
        if let previous = room[block] { buckets[Self.bucket(previous)].remove(block) }
        room[block] = largest >= DirectoryRecord.size(nameLength: 1) ? largest : nil
        if let now = room[block] { buckets[Self.bucket(now)].insert(block) }
    }

    /// The bucket of a free run of `bytes`.
    private static func bucket(_ bytes: Int) -> Int { min(max(bytes, 0) / bucketBytes, Format.blockSize / bucketBytes) }

    /// Adds or replaces the slot of `name`.
    mutating func set(_ name: FileName, _ slot: DirectorySlot) { names[name] = slot }

    /// Removes `name`.
    mutating func remove(_ name: FileName) { names[name] = nil }
}

extension FileType {
    /// The type a `d_type` value names, if any.
    init?(directoryEntryType value: UInt8) {
        self.init(rawValue: UInt32(value) << 12)
    }
}
