import BentoKit
import Synchronization

/// A block device in memory that records every write and flush in order, so tests (and the crash explorer) can
/// see exactly what a file system asked of its disk, enumerate the states a crash could leave
/// (`crashStates`), and inject faults (`failRead`, `failWrite`, `failWritesWithNoSpace`, `crash`).
///
/// Model: reads see every write so far (`currentImage`); a flush makes them durable (`durableImage`); a write
/// after the last flush may or may not survive a crash, independently of the others. A multi-block write is one
/// write per block (it can tear at block boundaries). Safe to use from many threads: one lock guards it all.
public final class SimulatedDisk: BlockDevice {
    /// Bytes per block.
    public let blockSize: Int
    /// Blocks on the disk.
    public let blockCount: UInt64

    let state: Mutex<State>

    /// Everything mutable, under one lock.
    struct State {
        /// What reads see.
        var current: DiskImage
        /// What survives a crash for certain: the contents as of the last flush.
        var durable: DiskImage
        /// Every write and flush that succeeded, in order.
        var operations: [DiskOperation] = []
        /// The writes since the last flush, in order (the ones a crash may lose).
        var unflushed: [DiskWrite] = []
        /// Blocks read so far (a multi-block read counts each block).
        var reads = 0
        /// Failures waiting to happen.
        var faults = Faults()
    }

    /// An all-zero disk of `blockCount` blocks of `blockSize` bytes (`blockSize` must be positive).
    public convenience init(blockSize: Int = 4096, blockCount: UInt64) {
        self.init(image: DiskImage(blockSize: blockSize, blockCount: blockCount))
    }

    /// A disk whose contents, durable and current, are `image` (a snapshot or a crash state), with an empty log.
    public init(image: DiskImage) {
        precondition(image.blockSize > 0, "a block holds at least one byte")
        blockSize = image.blockSize
        blockCount = image.blockCount
        state = Mutex(State(current: image, durable: image))
    }

    /// The current contents (every write so far), as a value to restore later with `init(image:)`.
    public func snapshot() -> DiskImage { state.withLock { $0.current } }

    /// The current contents (every write so far).
    public var currentImage: DiskImage { snapshot() }

    /// The contents as of the last flush: what is certain to survive a crash.
    public var durableImage: DiskImage { state.withLock { $0.durable } }

    /// Every write and flush that succeeded, in order.
    public var operations: [DiskOperation] { state.withLock { $0.operations } }

    /// The writes since the last flush, in order.
    public var unflushedWrites: [DiskWrite] { state.withLock { $0.unflushed } }

    /// Blocks read so far (a multi-block read counts each block).
    public var readCount: Int { state.withLock { $0.reads } }

    /// Forgets the operation log (contents, durability and faults stay), e.g. after formatting.
    public func clearOperations() { state.withLock { $0.operations.removeAll() } }

    /// Reads one block.
    public func read(_ block: BlockNumber) throws(Errno) -> [UInt8] {
        try read(block, count: 1)
    }

    /// Reads `count` consecutive blocks; an injected read failure stops it with `EIO`.
    public func read(_ block: BlockNumber, count: Int) throws(Errno) -> [UInt8] {
        _ = try checkedRange(block, count: count)
        return try state.withLock { (state) throws(Errno) -> [UInt8] in
            var bytes: [UInt8] = []
            bytes.reserveCapacity(count * blockSize)
            for index in 0 ..< UInt64(count) {
                try state.faults.beforeRead()
                state.reads += 1
                bytes += state.current[BlockNumber(block.rawValue + index)]!
            }
            return bytes
        }
    }

    /// Writes one block (`EINVAL` unless `bytes` is one block long).
    public func write(_ block: BlockNumber, _ bytes: [UInt8]) throws(Errno) {
        guard bytes.count == blockSize else { throw .invalidArgument }
        try write(startingAt: block, bytes)
    }

    /// Writes consecutive blocks, recorded as one write per block. An injected failure stops it part way: the
    /// blocks before the failing one stay written.
    public func write(startingAt block: BlockNumber, _ bytes: [UInt8]) throws(Errno) {
        let count = try checkedBlockCount(of: bytes)
        _ = try checkedRange(block, count: count)
        try state.withLock { (state) throws(Errno) in
            for index in 0 ..< count {
                try state.faults.beforeWrite()
                let target = BlockNumber(block.rawValue + UInt64(index))
                let data = Array(bytes[index * blockSize ..< (index + 1) * blockSize])
                state.current.set(target, data)
                state.unflushed.append(DiskWrite(block: target, bytes: data))
                state.operations.append(.write(target, data))
            }
        }
    }

    /// Makes every write so far durable.
    public func flush() throws(Errno) {
        state.withLock { state in
            state.durable = state.current
            state.unflushed.removeAll()
            state.operations.append(.flush)
        }
    }
}

/// One thing a file system did to a `SimulatedDisk`.
public enum DiskOperation: Sendable, Hashable, CustomStringConvertible {
    /// A block was written with these bytes.
    case write(BlockNumber, [UInt8])
    /// Everything before became durable.
    case flush

    /// `write block N` or `flush`, for messages.
    public var description: String {
        switch self {
        case .write(let block, _): "write \(block)"
        case .flush: "flush"
        }
    }
}

/// One block write: which block, what bytes.
public struct DiskWrite: Sendable, Hashable {
    /// The block written.
    public var block: BlockNumber
    /// Its new contents.
    public var bytes: [UInt8]

    /// A write of `bytes` to `block`.
    public init(block: BlockNumber, bytes: [UInt8]) {
        self.block = block
        self.bytes = bytes
    }
}
