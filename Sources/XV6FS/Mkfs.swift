import BentoKit
import BentoServices

// mkfs: lays out a fresh xv6fs on a device (see Layout.swift): superblock, an empty journal, bitmaps marking
// the metadata, a zeroed inode table and an empty root directory. The superblock goes last, after a flush, so
// an interrupted mkfs never leaves something that mounts.

/// How mkfs lays out a file system.
public struct MkfsOptions: Sendable {
    /// Journal size in blocks (header included); nil picks 1/32 of the image, between 1,024 and 32,768 blocks
    /// (a quarter of images under 16 MiB).
    public var journalBlocks: UInt64?
    /// Number of inodes; nil makes one per 16 KiB, as ext4 does.
    public var inodeCount: UInt64?
    /// The data mode mounts use unless told otherwise.
    public var dataMode: DataMode
    /// Owner of the root directory.
    public var rootOwner: UserID
    /// Group of the root directory.
    public var rootGroup: GroupID

    /// Options; the defaults suit most images.
    public init(journalBlocks: UInt64? = nil, inodeCount: UInt64? = nil, dataMode: DataMode = .ordered,
                rootOwner: UserID = .root, rootGroup: GroupID = .root) {
        self.journalBlocks = journalBlocks
        self.inodeCount = inodeCount
        self.dataMode = dataMode
        self.rootOwner = rootOwner
        self.rootGroup = rootGroup
    }
}

extension XV6FS {
    /// The smallest image mkfs makes, in blocks (4 MiB).
    public static let minimumBlocks: UInt64 = 1024

    /// Formats `device` as an empty xv6fs, reporting progress (0...1) as it zeroes the inode table.
    public static func mkfs(device: any BlockDevice, options: MkfsOptions = .init(),
                            progress: (Double) -> Void = { _ in }) throws(MountError) {
        guard device.blockSize == Format.blockSize else { throw MountError("xv6fs needs 4096-byte blocks, the device has \(device.blockSize)") }
        let blockCount = min(device.blockCount, UInt64(UInt32.max))
        guard blockCount >= minimumBlocks else { throw MountError("the image is too small: xv6fs needs at least 4 MiB") }
        let journalBlocks = options.journalBlocks ?? min(max(blockCount / 32, 1024), 32768, blockCount / 4)
        guard journalBlocks >= Journal.minimumBlocks, journalBlocks <= blockCount / 2 else {
            throw MountError("the journal must hold between \(Journal.minimumBlocks) blocks and half the image")
        }
        let inodeCount = min(options.inodeCount ?? max(blockCount / 4, 64), UInt64(UInt32.max))
        var superblock = Superblock(blockCount: blockCount, inodeCount: inodeCount, journalBlocks: journalBlocks)
        guard superblock.dataStart + 16 <= blockCount else { throw MountError("too many inodes for the image's size") }
        superblock.dataMode = options.dataMode
        var random = SystemRandomNumberGenerator()
        superblock.uuid = (0..<16).map { _ in UInt8.random(in: 0...255, using: &random) }
        superblock.freeBlocks = blockCount - superblock.dataStart
        superblock.freeInodes = inodeCount - 2
        do {
            try writeMetadata(superblock, to: device, options: options, progress: progress)
            try device.flush()
            try device.write(BlockNumber(0), superblock.encoded)
            try device.flush()
        } catch {
            throw MountError("I/O error while formatting: \(error)")
        }
        progress(1)
    }

    /// Writes everything but the superblock.
    private static func writeMetadata(_ superblock: Superblock, to device: any BlockDevice, options: MkfsOptions,
                                      progress: (Double) -> Void) throws(Errno) {
        try device.write(BlockNumber(0), [UInt8](repeating: 0, count: Format.blockSize))
        try device.write(BlockNumber(superblock.journalStart), JournalHeader(sequence: 1, tail: 0).encoded)
        try device.write(BlockNumber(superblock.journalStart + 1), [UInt8](repeating: 0, count: Format.blockSize))
        try fill(device, from: superblock.inodeBitmapStart, count: superblock.inodeBitmapBlocks) { index in
            index == 0 ? 2 : 0
        }
        try fill(device, from: superblock.blockBitmapStart, count: superblock.blockBitmapBlocks) { index in
            let first = index * UInt64(Format.bitsPerBlock)
            return first >= superblock.dataStart ? 0 : min(superblock.dataStart - first, UInt64(Format.bitsPerBlock))
        }
        let chunk: UInt64 = 256
        let zeros = [UInt8](repeating: 0, count: Int(chunk) * Format.blockSize)
        var done: UInt64 = 0
        while done < superblock.inodeTableBlocks {
            let count = min(chunk, superblock.inodeTableBlocks - done)
            try device.write(startingAt: BlockNumber(superblock.inodeTableStart + done), Array(zeros.prefix(Int(count) * Format.blockSize)))
            done += count
            progress(Double(done) / Double(superblock.inodeTableBlocks))
        }
        var root = DiskInode()
        root.mode = FileMode(type: .directory, permissions: 0o755)
        (root.uid, root.gid, root.linkCount, root.parent) = (options.rootOwner, options.rootGroup, 2, 1)
        let now = SystemClock().now()
        (root.accessTime, root.modificationTime, root.changeTime) = (now, now, now)
        let location = superblock.inodeLocation(1)
        var block = [UInt8](repeating: 0, count: Format.blockSize)
        root.encode(into: &block, at: location.offset, number: 1)
        try device.write(location.block, block)
    }

    /// Writes `count` bitmap blocks from `start`, block `i` with its first `setBits(i)` bits set.
    private static func fill(_ device: any BlockDevice, from start: UInt64, count: UInt64,
                             setBits: (UInt64) -> UInt64) throws(Errno) {
        for index in 0..<count {
            var block = [UInt8](repeating: 0, count: Format.blockSize)
            let bits = Int(setBits(index))
            for bit in 0..<bits { block[bit / 8] |= 1 << (bit % 8) }
            try device.write(BlockNumber(start + index), block)
        }
    }
}
