/// The contents of a whole disk as a value: what a `SimulatedDisk` holds, what survives a crash, what a new disk
/// starts from. Blocks never written (or written with zeros) read as zeros and take no memory, so two images
/// with the same contents are equal whatever their history.
public struct DiskImage: Sendable, Hashable {
    /// Bytes per block.
    public let blockSize: Int
    /// Blocks on the disk.
    public let blockCount: UInt64
    /// The blocks that hold something other than zeros.
    private var blocks: [BlockNumber: [UInt8]] = [:]
    /// The exclusive-or of every stored block's `fingerprint`, kept up to date by `set`: hashing an image costs
    /// nothing however many blocks it holds (the crash explorer keys a dictionary by images).
    private var fingerprint: UInt64 = 0

    /// An all-zero disk.
    public init(blockSize: Int, blockCount: UInt64) {
        self.blockSize = blockSize
        self.blockCount = blockCount
    }

    /// The contents of `block` (zeros if it was never written); nil beyond the end.
    public subscript(block: BlockNumber) -> [UInt8]? {
        guard block.rawValue < blockCount else { return nil }
        return blocks[block] ?? [UInt8](repeating: 0, count: blockSize)
    }

    /// Replaces a block's contents. `bytes` must be `blockSize` long and `block` on the disk (else it traps: a
    /// programming error, the disk itself checks its callers' arguments before calling this).
    public mutating func set(_ block: BlockNumber, _ bytes: [UInt8]) {
        precondition(bytes.count == blockSize && block.rawValue < blockCount, "\(block) with \(bytes.count) bytes does not fit this image")
        if let old = blocks[block] { fingerprint ^= Self.fingerprint(of: block, old) }
        if bytes.allSatisfy({ $0 == 0 }) {
            blocks[block] = nil
        } else {
            blocks[block] = bytes
            fingerprint ^= Self.fingerprint(of: block, bytes)
        }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(blockSize)
        hasher.combine(blockCount)
        hasher.combine(fingerprint)
    }

    public static func == (lhs: DiskImage, rhs: DiskImage) -> Bool {
        lhs.fingerprint == rhs.fingerprint && lhs.blockSize == rhs.blockSize && lhs.blockCount == rhs.blockCount
            && lhs.blocks == rhs.blocks
    }

    /// A 64-bit hash of a block's number and bytes (four interleaved FNV-1a lanes, so the multiplications do
    /// not wait on each other).
    private static func fingerprint(of block: BlockNumber, _ bytes: [UInt8]) -> UInt64 {
        let prime: UInt64 = 0x100_0000_01b3
        var lanes: (UInt64, UInt64, UInt64, UInt64) = (0xcbf2_9ce4_8422_2325 ^ block.rawValue, 1, 2, 3)
        var index = 0
        while index + 4 <= bytes.count {
            lanes.0 = (lanes.0 ^ UInt64(bytes[index])) &* prime
            lanes.1 = (lanes.1 ^ UInt64(bytes[index + 1])) &* prime
            lanes.2 = (lanes.2 ^ UInt64(bytes[index + 2])) &* prime
            lanes.3 = (lanes.3 ^ UInt64(bytes[index + 3])) &* prime
            index += 4
        }
        while index < bytes.count {
            lanes.0 = (lanes.0 ^ UInt64(bytes[index])) &* prime
            index += 1
        }
        let mixed = lanes.0 ^ lanes.1.rotated(17) ^ lanes.2.rotated(31) ^ lanes.3.rotated(47)
        return mixed ^ (mixed >> 29)
    }

    /// The blocks holding something other than zeros, in order.
    public var nonZeroBlocks: [BlockNumber] { blocks.keys.sorted() }
}

extension UInt64 {
    /// The bits rotated left by `count`.
    fileprivate func rotated(_ count: UInt64) -> UInt64 { self << count | self >> (64 - count) }
}
