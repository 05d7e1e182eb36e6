import BentoKit
import BentoServices
import Synchronization

// The operation log's file: a regular inode that no directory names, found through the root inode's `logInode`
// field (`docs/XV6FS-FORMAT.md`). Its bytes are a sequence of framed records:
//
//     0 payload length (32-bit)   4 CRC32C of the payload   8 payload (what the `OperationLog` made)
//
// Its blocks always go through the journal, whatever the data mode, so a record is durable exactly when the
// change in its transaction is. Appends are serialized by the file's own mutex, a leaf lock taken with the
// changed inodes' locks held. A record that cannot be appended is dropped and counted, never failing the
// request: when the disk is nearly full (the log keeps off the last 1/128 of the data blocks, so the log cannot
// be what fills it), or when the log's inode cannot be read or written.

/// The hidden file an xv6fs image keeps its operation log in, open on a mount.
final class OperationLogFile: Sendable {
    /// Bytes before a record's payload.
    static let headerSize = 8
    /// The largest payload a record may have.
    static let maximumRecord = 1 << 16

    /// What makes the records.
    let log: any OperationLog
    /// The log's inode.
    let object: CachedInode
    private let table: InodeTable
    private let allocator: Allocator
    private let data: FileData
    private let appending = Mutex<Void>(())
    /// Records appended and dropped on this mount.
    let appended = Atomic<Int>(0), dropped = Atomic<Int>(0)
    /// Why the last record was dropped, for `bento status` and the daemon's log.
    let lastDrop = Mutex<String?>(nil)
    /// Data blocks the log leaves free for files.
    private let reserve: UInt64

    private init(log: any OperationLog, object: CachedInode, table: InodeTable, allocator: Allocator, map: BlockMap,
                 dataBlocks: UInt64) {
        self.log = log
        self.object = object
        self.table = table
        self.allocator = allocator
        data = FileData(map: map, mode: .journal)
        reserve = max(16, dataBlocks / 128)
    }

    /// Opens the log the root inode names, making it first (inode and root's field in one transaction) when the
    /// image has none; nil on a read-only mount of an image without one. `EIO` when the log's inode is not a
    /// regular file.
    static func open(log: any OperationLog, table: InodeTable, allocator: Allocator, map: BlockMap, journal: Journal,
                     superblock: Superblock, clock: any BentoKit.Clock, readOnly: Bool) throws(Errno) -> OperationLogFile? {
        let root = try table.get(Inode.root.rawValue)
        var number = root.disk.logInode
        if number == 0 {
            guard !readOnly else { return nil }
            number = try journal.transaction { (handle: Handle) throws(Errno) -> UInt32 in
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
        return OperationLogFile(log: log, object: object, table: table, allocator: allocator, map: map,
                                dataBlocks: superblock.blockCount - superblock.dataStart)
    }

    /// Appends the records the log makes of `operation` in `handle`'s transaction.
    func append(_ operation: Operation, by request: Request, _ handle: Handle) {
        for payload in log.records(operation, by: request) { append(payload, handle) }
    }

    /// Appends one framed record in `handle`'s transaction; drops it (counted, with the reason kept) when it cannot.
    func append(_ payload: [UInt8], _ handle: Handle) {
        guard payload.count <= Self.maximumRecord else { return drop("a record of \(payload.count) bytes is too large") }
        let framed = Self.frame(payload)
        appending.withLock { _ in
            do throws(Errno) {
                try table.change(object, handle) { (disk: inout DiskInode) throws(Errno) in
                    let blockSize = UInt64(Format.blockSize)
                    let newBlocks = (disk.size + UInt64(framed.count) + blockSize - 1) / blockSize - (disk.size + blockSize - 1) / blockSize
                    if newBlocks > 0, allocator.freeCounts.blocks < reserve + newBlocks + 2 { throw .noSpace }
                    let written = try data.write(&disk, framed.span, at: disk.size, handle)
                    guard written == framed.count else { throw .noSpace }
                    disk.size += UInt64(written)
                }
                appended.add(1, ordering: .relaxed)
            } catch {
                drop(error == .noSpace ? "the disk is nearly full" : "the log could not be written (\(error))")
            }
        }
    }

    private func drop(_ reason: String) {
        dropped.add(1, ordering: .relaxed)
        lastDrop.withLock { $0 = reason }
    }

    /// Every payload in the log, read through the journal (what is committed and what is running).
    func payloads() throws(Errno) -> (records: [[UInt8]], damage: String?) {
        let disk = appending.withLock { _ in object.disk }
        return Self.payloads(try Self.contents(of: disk, data), size: disk.size)
    }

    /// The bytes of the log `disk`, read in 1 MiB pieces.
    static func contents(of disk: DiskInode, _ data: FileData) throws(Errno) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(min(disk.size, 1 << 30)))
        while UInt64(bytes.count) < disk.size {
            let piece = try data.read(disk, at: UInt64(bytes.count), count: 1 << 20)
            guard !piece.isEmpty else { break }
            bytes += piece
        }
        return bytes
    }

    /// `payload` framed: length, checksum, bytes.
    static func frame(_ payload: [UInt8]) -> [UInt8] {
        var framed = [UInt8](repeating: 0, count: headerSize)
        framed.store(UInt32(payload.count), at: 0)
        framed.store(CRC32C.checksum(payload), at: 4)
        return framed + payload
    }

    /// The payloads framed in `bytes`, up to the first damaged frame (whose place and cause `damage` says).
    static func payloads(_ bytes: [UInt8], size: UInt64) -> (records: [[UInt8]], damage: String?) {
        var records: [[UInt8]] = []
        var offset = 0
        if UInt64(bytes.count) < size { return (records, "the log's size is \(size) bytes but only \(bytes.count) could be read") }
        while offset < bytes.count {
            guard bytes.count - offset >= headerSize else { return (records, "a truncated record header at byte \(offset)") }
            let length = Int(bytes.load(UInt32.self, at: offset))
            guard length <= maximumRecord, bytes.count - offset - headerSize >= length else {
                return (records, "a record at byte \(offset) claims \(length) bytes past the log's end")
            }
            let payload = Array(bytes[offset + headerSize..<offset + headerSize + length])
            guard CRC32C.checksum(payload) == bytes.load(UInt32.self, at: offset + 4) else {
                return (records, "a record at byte \(offset) fails its checksum")
            }
            records.append(payload)
            offset += headerSize + length
        }
        return (records, nil)
    }
}
