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

/// A disk (or a file system) that breaks data=ordered: every write to the data region (the blocks from the
/// superblock's `dataStart` on, past the inode table: file data, but also directory and indirect blocks) is held
/// back until the next flush and issued only after it. The flush that xv6fs issues to put a transaction's data
/// on disk before its commit block therefore never covers that data: the commit (new sizes, new block pointers)
/// can reach the disk while the data blocks it points to still hold zeros or a reused block's old contents.
final class DataAfterCommitDevice: BlockDeviceFilter {
    let underlying: any BlockDevice
    /// The first block of the data region (superblock bytes 96..<104, Sources/XV6FS/Layout.swift).
    private let dataStart: UInt64
    /// The data-region writes held back, by block (under the lock so the device stays `Sendable`).
    private let held = Mutex<[BlockNumber: [UInt8]]>([:])

    init(_ base: any BlockDevice) {
        underlying = base
        let superblock = (try? base.read(BlockNumber(0))) ?? []
        dataStart = superblock.count >= 104
            ? superblock[96 ..< 104].reversed().reduce(0 as UInt64) { $0 << 8 | UInt64($1) } : .max
    }

    func read(_ block: BlockNumber) throws(Errno) -> [UInt8] {
        if let bytes = held.withLock({ $0[block] }) { return bytes }
        return try underlying.read(block)
    }
    func read(_ block: BlockNumber, count: Int) throws(Errno) -> [UInt8] {
        var bytes: [UInt8] = []
        for index in 0 ..< count { bytes += try read(BlockNumber(block.rawValue + UInt64(index))) }
        return bytes
    }
    func write(_ block: BlockNumber, _ bytes: [UInt8]) throws(Errno) {
        guard block.rawValue >= dataStart else { return try underlying.write(block, bytes) }
        held.withLock { $0[block] = bytes }
    }
    func write(startingAt block: BlockNumber, _ bytes: [UInt8]) throws(Errno) {
        let size = blockSize
        for start in stride(from: 0, to: bytes.count, by: size) {
            try write(BlockNumber(block.rawValue + UInt64(start / size)), Array(bytes[start ..< min(start + size, bytes.count)]))
        }
    }
    /// Flushes what was written outside the data region, then issues the held data writes (unflushed).
    func flush() throws(Errno) {
        let late = held.withLock { held in defer { held = [:] }; return held }
        try underlying.flush()
        for (block, bytes) in late.sorted(by: { $0.key.rawValue < $1.key.rawValue }) { try underlying.write(block, bytes) }
    }
}
