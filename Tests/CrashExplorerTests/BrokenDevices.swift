import BentoKit
import BentoServices
import Synchronization

/// A disk that lies about flushes: it acknowledges them and does nothing, so nothing ever becomes durable.
/// xv6fs over it breaks every fsync promise once a crash drops the commit block.
final class FlushDroppingDevice: BlockDeviceFilter {
    let underlying: any BlockDevice
    init(_ base: any BlockDevice) { underlying = base }

    func flush() throws(Errno) {}
}

/// A disk that reorders across the barrier: the last write before each flush is held back and issued after
/// it, so a flush never covers the write that preceded it (for xv6fs: the commit block, the journal header).
final class LateWriteDevice: BlockDevice {
    let base: any BlockDevice
    /// The write held back, if any (under the lock so the device stays `Sendable`).
    private let held = Mutex<(BlockNumber, [UInt8])?>(nil)
    init(_ base: any BlockDevice) { self.base = base }

    var blockSize: Int { base.blockSize }
    var blockCount: UInt64 { base.blockCount }
    func read(_ block: BlockNumber) throws(Errno) -> [UInt8] {
        if let (heldBlock, bytes) = held.withLock({ $0 }), heldBlock == block { return bytes }
        return try base.read(block)
    }
    func write(_ block: BlockNumber, _ bytes: [UInt8]) throws(Errno) {
        if let (heldBlock, heldBytes) = held.withLock({ $0 }) { try base.write(heldBlock, heldBytes) }
        held.withLock { $0 = (block, bytes) }
    }
    func flush() throws(Errno) {
        let late = held.withLock { held in defer { held = nil }; return held }
        try base.flush()
        if let (block, bytes) = late { try base.write(block, bytes) }
    }
}
