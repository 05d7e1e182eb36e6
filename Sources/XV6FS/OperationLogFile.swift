import BentoKit
import BentoServices
import Synchronization

// The operation log's file: a regular inode that no directory names, found through the root inode's `logInode`
// field (`docs/XV6FS-FORMAT.md`). Its bytes are a sequence of framed records:
//
//     0 payload length (32-bit, never 0)   4 CRC32C of the payload   8 payload (what the `OperationLog` made)
//
// Its blocks always go through the journal, whatever the data mode, so a record is durable exactly when the
// change in its transaction is. Appends are serialized by the file's own mutex, a leaf lock taken with the
// changed inodes' locks held. An append writes its bytes into the tail block in place; the inode is stored only
// when a block is added (its pointer, and as its size the start of the record being appended), not for every
// record. So the records after the stored size, in the blocks from there to the first unmapped one, are found by
// reading on until a frame that is not one (a block is zeros when it is added, and its bytes are journaled, so
// after a crash it holds exactly the committed records); before the stored size, a bad frame is damage. A record that cannot be appended is dropped
// and counted, never failing the request: when the disk is nearly full (the log keeps off the last 1/128 of the
// data blocks, so the log cannot be what fills it), or when the log's blocks cannot be read or written.

/// The hidden file an xv6fs image keeps its operation log in, open on a mount.
final class OperationLogFile: Sendable {
    /// Bytes before a record's payload.
    static let headerSize = 8
    /// The largest payload a record may have.
    static let maximumRecord = 1 << 16
    private static let blockSize = UInt64(Format.blockSize)
    private static let zeroBlock = [UInt8](repeating: 0, count: Format.blockSize)

    /// What makes the records.
    let log: any OperationLog
    /// The log's inode.
    let object: CachedInode
    private let table: InodeTable
    private let allocator: Allocator
    private let map: BlockMap
    private let journal: Journal
    /// Where the next record goes: the log's true size, and the block holding that byte (0 when none is mapped
    /// there yet: the size is at a block boundary).
    private let tail: Mutex<(size: UInt64, block: UInt32)>
    /// Records of reads waiting for the next append (`deferring`).
    private let deferred = Mutex<[[UInt8]]>([])
    /// Deferred records beyond which the caller appends them in a transaction of their own.
    static let deferredLimit = 64
    /// Deferred records kept at most when they cannot be appended (the journal failed): the rest are dropped.
    static let deferredCapacity = 4096
    /// What was wrong past the log's last record when it was opened (bytes that are not a record and not zeros).
    let damage: String?
    /// Records appended and dropped on this mount.
    let appended = Atomic<Int>(0), dropped = Atomic<Int>(0)
    /// Why the last record was dropped, for `bento status` and the daemon's log.
    let lastDrop = Mutex<String?>(nil)
    /// Data blocks the log leaves free for files.
    private let reserve: UInt64

    private init(log: any OperationLog, object: CachedInode, table: InodeTable, allocator: Allocator, map: BlockMap,
                 dataBlocks: UInt64) throws(Errno) {
        self.log = log
        self.object = object
        self.table = table
        self.allocator = allocator
        self.map = map
        journal = map.journal
        reserve = max(16, dataBlocks / 128)
        // Only the tail is read: the records after the stored size, which start in its block. What follows the last
        // record must be zeros (blocks are zeroed when added, and a failed append zeroes what it wrote).
        let disk = object.disk
        guard disk.size <= Format.maximumFileSize else { throw .ioError }
        let first = disk.size / Self.blockSize
        let tailBytes = try Self.contents(of: disk, map: map, fromBlock: first)
        let end = Self.scan(tailBytes, from: Int(disk.size % Self.blockSize)).end
        damage = tailBytes[end...].contains { $0 != 0 } ? "bytes that are no record at byte \(first * Self.blockSize + UInt64(end))" : nil
        let size = first * Self.blockSize + UInt64(end)
        tail = Mutex((size, size % Self.blockSize == 0 ? 0 : try map.lookup(disk, size / Self.blockSize)))
    }

    /// Opens the log the root inode names, making it first (inode and root's field in one transaction) when the
    /// image has none; nil on a read-only mount of an image without one. `EIO` when the log's inode is not a
    /// regular file.
    static func open(log: any OperationLog, table: InodeTable, allocator: Allocator, map: BlockMap,
                     superblock: Superblock, clock: any BentoKit.Clock, readOnly: Bool) throws(Errno) -> OperationLogFile? {
        let root = try table.get(Inode.root.rawValue)
        var number = root.disk.logInode
        if number == 0 {
            guard !readOnly else { return nil }
            number = try map.journal.transaction { (handle: Handle) throws(Errno) -> UInt32 in
                try withLocks([root]) { () throws(Errno) -> UInt32 in
                    let number = try allocator.allocateInode(handle)
                    var disk = DiskInode()
                    disk.mode = FileMode(type: .regular, permissions: 0o600)
                    disk.linkCount = 1
                    let now = clock.now()
                    (disk.accessTime, disk.modificationTime, disk.changeTime) = (now, now, now)
                    disk.generation = UInt32(truncatingIfNeeded: handle.sequence)
                    try table.store(table.make(number, disk: disk), disk, handle)
                    var rootDisk = root.disk
                    rootDisk.logInode = number
                    try table.store(root, rootDisk, handle)
                    return number
                }
            }
        }
        let object = try table.get(UInt64(number))
        guard object.disk.mode.isRegular else { throw .ioError }
        return try OperationLogFile(log: log, object: object, table: table, allocator: allocator, map: map,
                                    dataBlocks: superblock.blockCount - superblock.dataStart)
    }

    /// Appends the records the log makes of `operation` in `handle`'s transaction (after the deferred ones).
    func append(_ operation: Operation, by request: Request, _ handle: Handle) {
        append(log.records(operation, by: request), handle)
    }

    /// Appends the deferred records, then `payloads`, in `handle`'s transaction (the deferred ones taken under the
    /// tail's lock, so that no other append comes between them and the record that flushed them).
    func append(_ payloads: [[UInt8]], _ handle: Handle) {
        tail.withLock { tail in
            let waiting = deferred.withLock { waiting in
                defer { waiting.removeAll(keepingCapacity: true) }
                return waiting
            }
            for payload in waiting + payloads { append(payload, at: &tail, handle) }
        }
    }

    /// Keeps `payloads` (records of reads, which change nothing) for the next append, so that a run of reads
    /// costs no transaction each; true when enough wait that the caller should append them now. The order of the
    /// log is kept: they go in before any later change's records. A crash loses what still waits (reads only).
    func deferring(_ payloads: [[UInt8]]) -> Bool {
        let (flush, lost) = deferred.withLock { waiting -> (Bool, Int) in
            let room = max(0, Self.deferredCapacity - waiting.count)
            waiting += payloads.prefix(room)
            return (waiting.count >= Self.deferredLimit, payloads.count - min(room, payloads.count))
        }
        if lost > 0 { drop("records of reads could not be appended", count: lost) }
        return flush
    }

    /// Whether records wait for an append.
    var hasDeferred: Bool { deferred.withLock { !$0.isEmpty } }

    /// Appends one framed record at `tail` in `handle`'s transaction (the tail's lock held); drops it (counted,
    /// with the reason kept) when it cannot.
    private func append(_ payload: [UInt8], at tail: inout (size: UInt64, block: UInt32), _ handle: Handle) {
        guard !payload.isEmpty, payload.count <= Self.maximumRecord else { return drop("a record too large to frame") }
        let framed = Self.frame(payload)
        let start = tail
        var pieces: [(block: UInt32, range: Range<Int>)] = []
        do throws(Errno) {
            var written = 0
            while written < framed.count {
                if tail.block == 0 { tail.block = try addBlock(at: tail.size, recordStart: start.size, handle) }
                let within = Int(tail.size % Self.blockSize)
                let count = min(framed.count - written, Format.blockSize - within)
                try journal.update(BlockNumber(UInt64(tail.block)), handle) { (bytes: inout [UInt8]) in
                    bytes.replaceSubrange(within..<within + count, with: framed[written..<written + count])
                }
                pieces.append((tail.block, within..<within + count))
                written += count
                tail.size += UInt64(count)
                if tail.size % Self.blockSize == 0 { tail.block = 0 }
            }
            appended.add(1, ordering: .relaxed)
        } catch {
            // Zero what this record wrote (it commits with the handle): past the last record there are only zeros.
            for piece in pieces {
                try? journal.update(BlockNumber(UInt64(piece.block)), handle) { (bytes: inout [UInt8]) in
                    bytes.replaceSubrange(piece.range, with: repeatElement(0, count: piece.range.count))
                }
            }
            tail = start
            drop(error == .noSpace ? "the disk is nearly full" : "the log could not be written (\(error))")
        }
    }

    /// Maps a zeroed block at byte `size` (a block boundary) of the log and stores the inode, with the start of
    /// the record being appended as its size.
    private func addBlock(at size: UInt64, recordStart: UInt64, _ handle: Handle) throws(Errno) -> UInt32 {
        guard allocator.freeCounts.blocks > reserve else { throw .noSpace }
        return try table.change(object, handle) { (disk: inout DiskInode) throws(Errno) -> UInt32 in
            let index = size / Self.blockSize
            let goal = index > 0 ? UInt64(try map.lookup(disk, index - 1)).nonZero.map { $0 + 1 } : nil
            let block = try map.map(&disk, index, goal: goal, handle).block
            try journal.initialize(BlockNumber(UInt64(block)), handle, to: Self.zeroBlock)
            disk.size = recordStart
            return block
        }
    }

    private func drop(_ reason: String, count: Int = 1) {
        dropped.add(count, ordering: .relaxed)
        lastDrop.withLock { $0 = reason }
    }

    /// The log's size in bytes.
    var size: UInt64 { tail.withLock { $0.size } }

    /// Every payload in the log up to its end now, read through the journal (what is committed and what is
    /// running) without holding up appends.
    func payloads() throws(Errno) -> (records: [[UInt8]], damage: String?) {
        let (disk, size) = tail.withLock { tail in (object.disk, tail.size) }
        var bytes = try Self.contents(of: disk, map: map)
        bytes.removeSubrange(min(bytes.count, Int(size))...)
        return Self.payloads(bytes, storedSize: disk.size)
    }

    /// The log's bytes from block `first`, read through `map`'s journal: every block up to the one holding byte
    /// `disk.size`, and the mapped ones after it (where records past the stored size are), up to the first hole.
    /// The log is never sparse: a hole ends what is read (before the stored size, `payloads` reports the damage);
    /// nothing past the longest record after the stored size is read, nor past what the inode says it maps.
    static func contents(of disk: DiskInode, map: BlockMap, fromBlock first: UInt64 = 0) throws(Errno) -> [UInt8] {
        guard disk.size <= Format.maximumFileSize else { throw .ioError }
        let last = min(disk.size / blockSize + UInt64(headerSize + maximumRecord) / blockSize + 1, disk.blocks)
        var bytes: [UInt8] = []
        var index = first
        while index <= last {
            let block = try map.lookup(disk, index)
            guard block != 0 else { return bytes }
            bytes += try map.journal.read(BlockNumber(UInt64(block)))
            index += 1
        }
        return bytes
    }

    /// `payload` framed: length, checksum, bytes.
    static func frame(_ payload: [UInt8]) -> [UInt8] {
        var framed = [UInt8](repeating: 0, count: headerSize)
        framed.reserveCapacity(headerSize + payload.count)
        framed.store(UInt32(payload.count), at: 0)
        framed.store(CRC32C.checksum(payload), at: 4)
        framed.append(contentsOf: payload)
        return framed
    }

    /// The frames of `bytes` from `offset` on, up to the first that is not one: their payloads, where the last
    /// one ends, and what was wrong with the one after (nil when the bytes simply ran out).
    static func scan(_ bytes: [UInt8], from offset: Int) -> (records: [[UInt8]], end: Int, stop: String?) {
        var records: [[UInt8]] = []
        var offset = max(0, min(offset, bytes.count))
        while offset < bytes.count {
            guard bytes.count - offset >= headerSize else { return (records, offset, "a truncated record header at byte \(offset)") }
            let length = Int(bytes.load(UInt32.self, at: offset))
            guard length > 0 else { return (records, offset, "no record at byte \(offset)") }
            guard length <= maximumRecord, bytes.count - offset - headerSize >= length else {
                return (records, offset, "a record at byte \(offset) claims \(length) bytes past the log's end")
            }
            let payload = Array(bytes[offset + headerSize..<offset + headerSize + length])
            guard CRC32C.checksum(payload) == bytes.load(UInt32.self, at: offset + 4) else {
                return (records, offset, "a record at byte \(offset) fails its checksum")
            }
            records.append(payload)
            offset += headerSize + length
        }
        return (records, offset, nil)
    }

    /// The payloads of a log whose bytes are `bytes` and whose inode says `storedSize`: every frame up to the
    /// stored size must be whole (damage otherwise: the readable log ends there), and the frames after it run until
    /// the first that is not one.
    static func payloads(_ bytes: [UInt8], storedSize: UInt64) -> (records: [[UInt8]], damage: String?) {
        let scanned = scan(bytes, from: 0)
        if UInt64(scanned.end) < storedSize {
            return (scanned.records, scanned.stop ?? "the log's size is \(storedSize) bytes but only \(scanned.end) could be read")
        }
        return (scanned.records, nil)
    }
}
