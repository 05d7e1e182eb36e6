import BentoKit

/// Fixed-size blocks that can be read, written and flushed (the durability barrier `fsync` relies on).
///
/// Errors are `Errno` values: `EIO` for I/O errors (real or injected), `ENXIO` for a block beyond the end,
/// `EINVAL` for a wrong byte count, `ENOSPC` when injected. A device never traps on bad arguments.
/// Implementations are safe to call from many threads at once.
public protocol BlockDevice: AnyObject, Sendable {
    /// Bytes per block.
    var blockSize: Int { get }
    /// Blocks on the device; valid block numbers are `0 ..< blockCount`.
    var blockCount: UInt64 { get }
    /// Reads one block: exactly `blockSize` bytes.
    func read(_ block: BlockNumber) throws(Errno) -> [UInt8]
    /// Reads `count` consecutive blocks starting at `block`: `count × blockSize` bytes, in one transfer where the
    /// device allows.
    func read(_ block: BlockNumber, count: Int) throws(Errno) -> [UInt8]
    /// Writes one block; `bytes.count` must be `blockSize`.
    func write(_ block: BlockNumber, _ bytes: [UInt8]) throws(Errno)
    /// Writes consecutive blocks starting at `block`; `bytes.count` must be a non-zero multiple of `blockSize`.
    func write(startingAt block: BlockNumber, _ bytes: [UInt8]) throws(Errno)
    /// Makes everything written so far durable.
    func flush() throws(Errno)
}

extension BlockDevice {
    /// Reads `count` blocks one at a time (for devices with no faster way).
    public func read(_ block: BlockNumber, count: Int) throws(Errno) -> [UInt8] {
        _ = try checkedRange(block, count: count)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count * blockSize)
        for index in 0 ..< UInt64(count) {
            bytes += try read(BlockNumber(block.rawValue + index))
        }
        return bytes
    }

    /// Writes the blocks one at a time (for devices with no faster way).
    public func write(startingAt block: BlockNumber, _ bytes: [UInt8]) throws(Errno) {
        let count = try checkedBlockCount(of: bytes)
        _ = try checkedRange(block, count: count)
        for index in 0 ..< count {
            let start = index * blockSize
            try write(BlockNumber(block.rawValue + UInt64(index)), Array(bytes[start ..< start + blockSize]))
        }
    }

    /// The byte offset of `count` blocks from `block` after checking they exist: `EINVAL` for a negative count,
    /// `ENXIO` for blocks past the end.
    public func checkedRange(_ block: BlockNumber, count: Int) throws(Errno) -> UInt64 {
        guard count >= 0 else { throw .invalidArgument }
        guard block.rawValue < blockCount || count == 0, UInt64(count) <= blockCount - min(block.rawValue, blockCount) else {
            throw .noSuchAddressOrDevice
        }
        return block.rawValue * UInt64(blockSize)
    }

    /// How many blocks `bytes` holds: `EINVAL` unless it is a non-zero multiple of `blockSize`.
    public func checkedBlockCount(of bytes: [UInt8]) throws(Errno) -> Int {
        guard !bytes.isEmpty, bytes.count % blockSize == 0 else { throw .invalidArgument }
        return bytes.count / blockSize
    }
}
