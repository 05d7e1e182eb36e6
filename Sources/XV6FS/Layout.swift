import BentoKit
import BentoServices

// The xv6fs on-disk format: every structure, its byte layout and its little-endian codec, in one place.
//
// Blocks are 4 KiB. Block numbers are 32-bit (images up to 16 TiB); sizes are 64-bit.
//
//   block 0          superblock                        (Superblock: geometry, state, UUID, CRC32C)
//   1 ..< 1+J        journal: journal superblock, then a circular log of transactions
//                        transaction = descriptor block (home block numbers), the logged blocks, ...,
//                        commit block (sequence, count, CRC32C over every block of the transaction)
//   ..               inode bitmap                      (bit i set = inode i in use; inode 0 is reserved)
//   ..               block bitmap                      (bit b set = block b in use; metadata blocks are set)
//   ..               inode table                       (256-byte DiskInode slots, 16 per block, slot i = inode i)
//   dataStart ..     data: file blocks, indirect blocks, directory blocks, xattr blocks, symlink targets
//
// A file's blocks: 12 direct pointers, then a single-, a double- and a triple-indirect block of 1024 pointers
// each, so a file maps (12 + 2^10 + 2^20 + 2^30) blocks ≈ 4 TiB; pointer 0 is a hole (sparse files).
// Directories hold variable-length records (DirectoryRecord) that never cross a block boundary; `..` is the
// parent field of the directory's inode and `.` is implicit. A lookup index over the records is kept in memory.
// Inodes carry nanosecond timestamps, uid/gid/mode, a device number and one xattr block (XattrBlock).

/// Sizes and constants of the format.
enum Format {
    /// Bytes per block.
    static let blockSize = 4096
    /// Bytes per on-disk inode.
    static let inodeSize = 256
    /// Inodes per inode-table block.
    static let inodesPerBlock = blockSize / inodeSize
    /// Bits per bitmap block.
    static let bitsPerBlock = blockSize * 8
    /// Block pointers in an indirect block.
    static let pointersPerBlock = blockSize / 4
    /// Direct pointers in an inode.
    static let directPointers = 12
    /// The current format version.
    static let version: UInt32 = 1
    /// The largest file size: every block the pointer tree maps (about 4 TiB).
    static let maximumFileSize: UInt64 = {
        let p = UInt64(pointersPerBlock)
        return (UInt64(directPointers) + p + p * p + p * p * p) * UInt64(blockSize)
    }()

    /// The indirect blocks one file needs to map its first `count` blocks: what statfs keeps back from the free
    /// blocks, so that a file can really use every block it calls available.
    static func indirectBlocks(mapping count: UInt64) -> UInt64 {
        let p = UInt64(pointersPerBlock)
        var rest = count - min(count, UInt64(directPointers))
        guard rest > 0 else { return 0 }
        var blocks: UInt64 = 1  // the single-indirect block
        rest -= min(rest, p)
        guard rest > 0 else { return blocks }
        let double = min(rest, p * p)
        blocks += 1 + (double + p - 1) / p  // the double-indirect block and its pointer blocks
        rest -= double
        guard rest > 0 else { return blocks }
        return blocks + 1 + (rest + p * p - 1) / (p * p) + (rest + p - 1) / p  // the triple-indirect tree
    }
}

/// Why a block does not decode as the structure expected (a message for mount and fsck).
struct FormatError: Error, CustomStringConvertible {
    /// What is wrong.
    let description: String
    init(_ description: String) { self.description = description }
}

// MARK: - Superblock

/// Block 0: the file system's geometry and state.
///
///     0 magic "XV6F"   4 version   8 features   12 blockSize   16 blockCount(64)   24 inodeCount(64)
///     32 journalStart   40 journalBlocks   48 inodeBitmapStart   56 inodeBitmapBlocks
///     64 blockBitmapStart   72 blockBitmapBlocks   80 inodeTableStart   88 inodeTableBlocks   96 dataStart
///     104 freeBlocks   112 freeInodes   (exact only when state is clean)
///     120 state (0 clean, 1 mounted)   124 dataMode (0 ordered, 1 journal)   128 uuid[16]
///     144 created seconds   152 last-mount seconds   160 mount count   164..<252 zero   252 CRC32C of 0..<252
struct Superblock: Sendable, Hashable {
    /// "XV6F" read little-endian.
    static let magic: UInt32 = 0x4636_5658
    /// Whether the image was cleanly unmounted.
    enum State: UInt32, Sendable { case clean = 0, mounted = 1 }

    var features: UInt32 = 0
    var blockCount: UInt64
    var inodeCount: UInt64
    var journalStart: UInt64 = 1
    var journalBlocks: UInt64
    var inodeBitmapStart: UInt64 = 0
    var inodeBitmapBlocks: UInt64 = 0
    var blockBitmapStart: UInt64 = 0
    var blockBitmapBlocks: UInt64 = 0
    var inodeTableStart: UInt64 = 0
    var inodeTableBlocks: UInt64 = 0
    var dataStart: UInt64 = 0
    var freeBlocks: UInt64 = 0
    var freeInodes: UInt64 = 0
    var state: State = .clean
    var dataMode: DataMode = .ordered
    var uuid: [UInt8] = Array(repeating: 0, count: 16)
    var createdSeconds: Int64 = 0
    var mountedSeconds: Int64 = 0
    var mountCount: UInt32 = 0

    /// A superblock with the regions laid out one after the other for `blockCount` blocks.
    init(blockCount: UInt64, inodeCount: UInt64, journalBlocks: UInt64) {
        self.blockCount = blockCount
        self.inodeCount = inodeCount
        self.journalBlocks = journalBlocks
        let bits = UInt64(Format.bitsPerBlock)
        inodeBitmapStart = journalStart + journalBlocks
        inodeBitmapBlocks = (inodeCount + bits - 1) / bits
        blockBitmapStart = inodeBitmapStart + inodeBitmapBlocks
        blockBitmapBlocks = (blockCount + bits - 1) / bits
        inodeTableStart = blockBitmapStart + blockBitmapBlocks
        inodeTableBlocks = (inodeCount + UInt64(Format.inodesPerBlock) - 1) / UInt64(Format.inodesPerBlock)
        dataStart = inodeTableStart + inodeTableBlocks
    }

    /// Decodes and validates block 0; the error says what is wrong, in the words mount and fsck print.
    init(decoding b: [UInt8], deviceBlocks: UInt64) throws(FormatError) {
        guard b.count >= 256 else { throw FormatError("truncated superblock") }
        guard b.load(UInt32.self, at: 0) == Self.magic else { throw FormatError("bad magic") }
        guard b.load(UInt32.self, at: 252) == CRC32C.checksum(b[0..<252]) else {
            throw FormatError("superblock checksum mismatch")
        }
        let version = b.load(UInt32.self, at: 4)
        guard version == Format.version else { throw FormatError("unsupported format version \(version)") }
        guard b.load(UInt32.self, at: 12) == UInt32(Format.blockSize) else { throw FormatError("unsupported block size") }
        let blockCount = b.load(UInt64.self, at: 16), inodeCount = b.load(UInt64.self, at: 24)
        let journalBlocks = b.load(UInt64.self, at: 40)
        // Checked before the layout is computed from them: 32-bit values cannot overflow its sums.
        guard blockCount <= UInt64(UInt32.max), inodeCount <= UInt64(UInt32.max), inodeCount >= 2,
              journalBlocks >= Journal.minimumBlocks, journalBlocks < blockCount else {
            throw FormatError("impossible geometry in the superblock")
        }
        self.init(blockCount: blockCount, inodeCount: inodeCount, journalBlocks: journalBlocks)
        features = b.load(UInt32.self, at: 8)
        let stored: [UInt64] = [32, 48, 56, 64, 72, 80, 88, 96].map { b.load(UInt64.self, at: $0) }
        let expected = [journalStart, inodeBitmapStart, inodeBitmapBlocks, blockBitmapStart, blockBitmapBlocks,
                        inodeTableStart, inodeTableBlocks, dataStart]
        guard stored == expected else { throw FormatError("inconsistent region layout in the superblock") }
        guard dataStart < blockCount else { throw FormatError("impossible geometry in the superblock") }
        guard blockCount <= deviceBlocks else {
            throw FormatError("truncated image: the superblock says \(blockCount) blocks, the device has \(deviceBlocks)")
        }
        freeBlocks = b.load(UInt64.self, at: 104)
        freeInodes = b.load(UInt64.self, at: 112)
        state = State(rawValue: b.load(UInt32.self, at: 120)) ?? .mounted
        guard let mode = DataMode(rawValue: b.load(UInt32.self, at: 124)) else { throw FormatError("unknown data mode") }
        dataMode = mode
        uuid = Array(b[128..<144])
        createdSeconds = Int64(bitPattern: b.load(UInt64.self, at: 144))
        mountedSeconds = Int64(bitPattern: b.load(UInt64.self, at: 152))
        mountCount = b.load(UInt32.self, at: 160)
    }

    /// The encoded block.
    var encoded: [UInt8] {
        var b = [UInt8](repeating: 0, count: Format.blockSize)
        b.store(Self.magic, at: 0)
        b.store(Format.version, at: 4)
        b.store(features, at: 8)
        b.store(UInt32(Format.blockSize), at: 12)
        for (offset, value) in [(16, blockCount), (24, inodeCount), (32, journalStart), (40, journalBlocks),
                                (48, inodeBitmapStart), (56, inodeBitmapBlocks), (64, blockBitmapStart),
                                (72, blockBitmapBlocks), (80, inodeTableStart), (88, inodeTableBlocks),
                                (96, dataStart), (104, freeBlocks), (112, freeInodes)] {
            b.store(value, at: offset)
        }
        b.store(state.rawValue, at: 120)
        b.store(dataMode.rawValue, at: 124)
        b.store(bytes: uuid.prefix(16), at: 128)
        b.store(UInt64(bitPattern: createdSeconds), at: 144)
        b.store(UInt64(bitPattern: mountedSeconds), at: 152)
        b.store(mountCount, at: 160)
        b.store(CRC32C.checksum(b[0..<252]), at: 252)
        return b
    }

    /// The inode-table block holding inode `number`, and the byte offset of its slot.
    func inodeLocation(_ number: UInt32) -> (block: BlockNumber, offset: Int) {
        let perBlock = UInt64(Format.inodesPerBlock)
        return (BlockNumber(inodeTableStart + UInt64(number) / perBlock),
                Int(UInt64(number) % perBlock) * Format.inodeSize)
    }

    /// True when `block` may hold file data, indirect pointers, directories or xattrs.
    func isDataBlock(_ block: UInt32) -> Bool { UInt64(block) >= dataStart && UInt64(block) < blockCount }
}

// MARK: - Inode

/// One 256-byte inode slot.
///
///     0 mode   4 uid   8 gid   12 links   16 size(64)   24 blocks in use(64, 4 KiB units)
///     32 atime s(64)   40 mtime s(64)   48 ctime s(64)   56 atime ns   60 mtime ns   64 ctime ns
///     68 device   72 generation   76 parent (directories)   80 xattr block
///     84 direct[12]   132 single indirect   136 double indirect   140 triple indirect   144 flags
///     148 operation log (the root only: the inode of the hidden operation log, 0 = none; others 0)
///     152..<252 zero   252 CRC32C of (inode number, bytes 0..<252); a free slot (mode 0) is all zero
struct DiskInode: Sendable, Hashable {
    var mode = FileMode(rawValue: 0)
    var uid = UserID.root
    var gid = GroupID.root
    var linkCount: UInt32 = 0
    var size: UInt64 = 0
    var blocks: UInt64 = 0
    var accessTime = Timestamp.zero
    var modificationTime = Timestamp.zero
    var changeTime = Timestamp.zero
    var device: UInt32 = 0
    var generation: UInt32 = 0
    var parent: UInt32 = 0
    var xattrBlock: UInt32 = 0
    /// 12 direct pointers, then the single-, double- and triple-indirect pointers.
    var pointers = [UInt32](repeating: 0, count: Format.directPointers + 3)
    var flags: UInt32 = 0
    /// In the root inode: the inode holding the operation log (`OperationLogFile`), 0 when there is none.
    var logInode: UInt32 = 0

    /// A free slot.
    init() {}

    /// True for a slot not in use.
    var isFree: Bool { mode.rawValue == 0 }

    /// Decodes the slot at `offset` in an inode-table block; a corrupted slot is an error naming the inode.
    init(decoding b: [UInt8], at offset: Int, number: UInt32) throws(FormatError) {
        mode = FileMode(rawValue: b.load(UInt32.self, at: offset))
        guard !isFree else { return }
        guard b.load(UInt32.self, at: offset + 252) == Self.checksum(b, at: offset, number: number) else {
            throw FormatError("inode \(number): checksum mismatch")
        }
        guard mode.type != nil else { throw FormatError("inode \(number): unknown file type in mode \(mode)") }
        uid = UserID(b.load(UInt32.self, at: offset + 4))
        gid = GroupID(b.load(UInt32.self, at: offset + 8))
        linkCount = b.load(UInt32.self, at: offset + 12)
        size = b.load(UInt64.self, at: offset + 16)
        blocks = b.load(UInt64.self, at: offset + 24)
        func time(_ seconds: Int, _ nanoseconds: Int) -> Timestamp {
            Timestamp(seconds: Int64(bitPattern: b.load(UInt64.self, at: offset + seconds)),
                      nanoseconds: b.load(UInt32.self, at: offset + nanoseconds) % 1_000_000_000)
        }
        accessTime = time(32, 56)
        modificationTime = time(40, 60)
        changeTime = time(48, 64)
        device = b.load(UInt32.self, at: offset + 68)
        generation = b.load(UInt32.self, at: offset + 72)
        parent = b.load(UInt32.self, at: offset + 76)
        xattrBlock = b.load(UInt32.self, at: offset + 80)
        pointers = (0..<pointers.count).map { b.load(UInt32.self, at: offset + 84 + 4 * $0) }
        flags = b.load(UInt32.self, at: offset + 144)
        logInode = b.load(UInt32.self, at: offset + 148)
    }

    /// Writes the slot (with its checksum) at `offset` of an inode-table block.
    func encode(into b: inout [UInt8], at offset: Int, number: UInt32) {
        b.store(bytes: repeatElement(0, count: Format.inodeSize), at: offset)
        guard !isFree else { return }
        b.store(mode.rawValue, at: offset)
        b.store(uid.rawValue, at: offset + 4)
        b.store(gid.rawValue, at: offset + 8)
        b.store(linkCount, at: offset + 12)
        b.store(size, at: offset + 16)
        b.store(blocks, at: offset + 24)
        for (time, seconds, nanoseconds) in [(accessTime, 32, 56), (modificationTime, 40, 60), (changeTime, 48, 64)] {
            b.store(UInt64(bitPattern: time.seconds), at: offset + seconds)
            b.store(time.nanoseconds, at: offset + nanoseconds)
        }
        b.store(device, at: offset + 68)
        b.store(generation, at: offset + 72)
        b.store(parent, at: offset + 76)
        b.store(xattrBlock, at: offset + 80)
        for (index, pointer) in pointers.enumerated() { b.store(pointer, at: offset + 84 + 4 * index) }
        b.store(flags, at: offset + 144)
        b.store(logInode, at: offset + 148)
        b.store(Self.checksum(b, at: offset, number: number), at: offset + 252)
    }

    private static func checksum(_ b: [UInt8], at offset: Int, number: UInt32) -> UInt32 {
        var numberBytes = [UInt8](repeating: 0, count: 4)
        numberBytes.store(number, at: 0)
        return CRC32C.checksum(b.bytes(at: offset, length: 252), seed: CRC32C.checksum(numberBytes))
    }

    /// The object's type (regular when unknown).
    var type: FileType { mode.type ?? .regular }
}

// MARK: - Directory records

/// One directory entry inside a directory block.
///
///     0 inode (0 = unused space)   4 record length (multiple of 8, to the next record)   6 name length   7 d_type
///     8 name bytes, then padding to the record length
struct DirectoryRecord: Sendable, Hashable {
    /// Bytes before the name.
    static let headerSize = 8
    /// Where the record starts in its block.
    var offset: Int
    /// The inode named, 0 for free space.
    var inode: UInt32
    /// Bytes to the next record.
    var length: Int
    /// The d_type of the entry.
    var type: UInt8
    /// The name bytes (empty for free space).
    var name: [UInt8]

    /// The bytes a record with a `nameLength`-byte name needs.
    static func size(nameLength: Int) -> Int { (headerSize + nameLength + 7) & ~7 }
    /// The bytes this record needs (its name's size, or nothing when free).
    var usedSize: Int { inode == 0 ? 0 : Self.size(nameLength: name.count) }

    /// Every record of a directory block, in order; a malformed chain is an error.
    static func records(in b: [UInt8]) throws(FormatError) -> [DirectoryRecord] {
        var records: [DirectoryRecord] = []
        var offset = 0
        while offset < Format.blockSize {
            let inode = b.load(UInt32.self, at: offset)
            let length = Int(b.load(UInt16.self, at: offset + 4))
            let nameLength = Int(b.load(UInt8.self, at: offset + 6))
            guard length >= headerSize, length % 8 == 0, offset + length <= Format.blockSize,
                  inode == 0 || (nameLength > 0 && size(nameLength: nameLength) <= length) else {
                throw FormatError("malformed directory record at byte \(offset)")
            }
            let name = inode == 0 ? [] : Array(b.bytes(at: offset + headerSize, length: nameLength))
            records.append(DirectoryRecord(offset: offset, inode: inode, length: length,
                                           type: b.load(UInt8.self, at: offset + 7), name: name))
            offset += length
        }
        return records
    }

    /// Writes the record's header and name into its block.
    func encode(into b: inout [UInt8]) {
        b.store(inode, at: offset)
        b.store(UInt16(length), at: offset + 4)
        b.store(UInt8(name.count), at: offset + 6)
        b.store(type, at: offset + 7)
        b.store(bytes: name, at: offset + Self.headerSize)
    }

    /// An empty directory block: one free record spanning it.
    static var emptyBlock: [UInt8] {
        var b = [UInt8](repeating: 0, count: Format.blockSize)
        DirectoryRecord(offset: 0, inode: 0, length: Format.blockSize, type: 0, name: []).encode(into: &b)
        return b
    }
}

// MARK: - Extended attributes

/// An inode's extended attributes, all in one block.
///
///     0 magic "XATR"   4 count   8 entries: name length(8), 0(8), value length(16), name, value
struct XattrBlock: Sendable, Hashable {
    static let magic: UInt32 = 0x5254_4158
    /// The attributes in stored order.
    var entries: [(name: [UInt8], value: [UInt8])] = []

    /// No attributes.
    init() {}

    /// Decodes an xattr block; a malformed one is an error.
    init(decoding b: [UInt8]) throws(FormatError) {
        guard b.load(UInt32.self, at: 0) == Self.magic else { throw FormatError("xattr block: bad magic") }
        var offset = 8
        for _ in 0..<b.load(UInt32.self, at: 4) {
            let nameLength = Int(b.load(UInt8.self, at: offset)), valueLength = Int(b.load(UInt16.self, at: offset + 2))
            guard nameLength > 0, offset + 4 + nameLength + valueLength <= Format.blockSize else {
                throw FormatError("xattr block: malformed entry")
            }
            entries.append((Array(b.bytes(at: offset + 4, length: nameLength)),
                            Array(b.bytes(at: offset + 4 + nameLength, length: valueLength))))
            offset += 4 + nameLength + valueLength
        }
    }

    /// The bytes the entries take, header included.
    var encodedSize: Int { entries.reduce(8) { $0 + 4 + $1.name.count + $1.value.count } }

    /// The encoded block (the caller checks `encodedSize` first).
    var encoded: [UInt8] {
        var b = [UInt8](repeating: 0, count: Format.blockSize)
        b.store(Self.magic, at: 0)
        b.store(UInt32(entries.count), at: 4)
        var offset = 8
        for entry in entries {
            b.store(UInt8(entry.name.count), at: offset)
            b.store(UInt16(entry.value.count), at: offset + 2)
            b.store(bytes: entry.name, at: offset + 4)
            b.store(bytes: entry.value, at: offset + 4 + entry.name.count)
            offset += 4 + entry.name.count + entry.value.count
        }
        return b
    }

    static func == (a: XattrBlock, b: XattrBlock) -> Bool {
        a.entries.map(\.name) == b.entries.map(\.name) && a.entries.map(\.value) == b.entries.map(\.value)
    }
    func hash(into hasher: inout Hasher) { hasher.combine(entries.map(\.name)) }
}

// MARK: - Journal blocks

/// How file data is journaled (ext4's `data=` option); recorded in the superblock by mkfs, overridable at mount.
public enum DataMode: UInt32, Sendable, Hashable, CaseIterable {
    /// Data is written to its home blocks and flushed before the metadata that points at it commits.
    case ordered = 0
    /// Data blocks go through the journal like metadata.
    case journal = 1
}

/// The journal's first block: where replay starts.
///
///     0 magic "XJSB"   4 version   8 first sequence to replay   16 tail (log index of that transaction)
///     24 CRC32C of 0..<24
struct JournalHeader: Sendable, Hashable {
    static let magic: UInt32 = 0x4253_4A58
    /// Sequence number of the oldest transaction not yet checkpointed (the next one to be written when none is).
    var sequence: UInt64
    /// Index in the log area (0 = the block after the header) where that transaction starts.
    var tail: UInt64

    init(sequence: UInt64, tail: UInt64) {
        self.sequence = sequence
        self.tail = tail
    }

    init(decoding b: [UInt8]) throws(FormatError) {
        guard b.load(UInt32.self, at: 0) == Self.magic else { throw FormatError("journal header: bad magic") }
        guard b.load(UInt32.self, at: 24) == CRC32C.checksum(b.bytes(at: 0, length: 24)) else {
            throw FormatError("journal header: checksum mismatch")
        }
        sequence = b.load(UInt64.self, at: 8)
        tail = b.load(UInt64.self, at: 16)
        guard Journal.sequences.contains(sequence) else { throw FormatError("journal header: sequence out of range") }
    }

    var encoded: [UInt8] {
        var b = [UInt8](repeating: 0, count: Format.blockSize)
        b.store(Self.magic, at: 0)
        b.store(Format.version, at: 4)
        b.store(sequence, at: 8)
        b.store(tail, at: 16)
        b.store(CRC32C.checksum(b[0..<24]), at: 24)
        return b
    }
}

/// A transaction's descriptor (home block numbers of the blocks that follow it) or its commit block.
///
///     descriptor: 0 magic "XJDS"   4 tag count   8 sequence   16 home block numbers, 8 bytes each
///     commit:     0 magic "XJCM"   4 blocks in the transaction (descriptors + logged)   8 sequence
///                 16 CRC32C over those blocks in log order   20 CRC32C of 0..<20
enum JournalRecord: Sendable, Hashable {
    static let descriptorMagic: UInt32 = 0x5344_4A58
    static let commitMagic: UInt32 = 0x4D43_4A58
    /// Home block numbers one descriptor can carry.
    static let tagsPerDescriptor = (Format.blockSize - 16) / 8

    case descriptor(sequence: UInt64, homes: [UInt64])
    case commit(sequence: UInt64, blockCount: UInt32, checksum: UInt32)

    /// Decodes a log block as a descriptor or commit record; nil for anything else (end of the log).
    init?(decoding b: [UInt8]) {
        let sequence = b.load(UInt64.self, at: 8)
        switch b.load(UInt32.self, at: 0) {
        case Self.descriptorMagic:
            let count = Int(b.load(UInt32.self, at: 4))
            guard count > 0, count <= Self.tagsPerDescriptor else { return nil }
            self = .descriptor(sequence: sequence, homes: (0..<count).map { b.load(UInt64.self, at: 16 + 8 * $0) })
        case Self.commitMagic:
            guard b.load(UInt32.self, at: 20) == CRC32C.checksum(b.bytes(at: 0, length: 20)) else { return nil }
            self = .commit(sequence: sequence, blockCount: b.load(UInt32.self, at: 4), checksum: b.load(UInt32.self, at: 16))
        default:
            return nil
        }
    }

    var encoded: [UInt8] {
        var b = [UInt8](repeating: 0, count: Format.blockSize)
        switch self {
        case .descriptor(let sequence, let homes):
            b.store(Self.descriptorMagic, at: 0)
            b.store(UInt32(homes.count), at: 4)
            b.store(sequence, at: 8)
            for (index, home) in homes.enumerated() { b.store(home, at: 16 + 8 * index) }
        case .commit(let sequence, let blockCount, let checksum):
            b.store(Self.commitMagic, at: 0)
            b.store(blockCount, at: 4)
            b.store(sequence, at: 8)
            b.store(checksum, at: 16)
            b.store(CRC32C.checksum(b[0..<20]), at: 20)
        }
        return b
    }
}
