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
        if bytes.allSatisfy({ $0 == 0 }) {
            blocks[block] = nil
        } else {
            blocks[block] = bytes
        }
    }

    /// The blocks holding something other than zeros, in order.
    public var nonZeroBlocks: [BlockNumber] { blocks.keys.sorted() }
}
