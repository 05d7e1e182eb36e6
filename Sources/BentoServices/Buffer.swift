import BentoKit

/// One block held from a `BufferCache`: nobody else gets the block until this is released (`release()`) or goes
/// out of scope. Reading is free; every change marks the buffer dirty, and the cache writes it back later.
///
/// Not `Sendable`: a buffer is held by the thread that got it.
public struct Buffer: ~Copyable {
    /// The block held.
    public let block: BlockNumber
    private let entry: CacheEntry
    private let cache: BufferCache

    init(block: BlockNumber, entry: CacheEntry, cache: BufferCache) {
        self.block = block
        self.entry = entry
        self.cache = cache
    }

    deinit { cache.release(entry) }

    /// The block's current contents (`blockSize` bytes).
    public var bytes: [UInt8] { entry.data }

    /// Whether it changed since it was last written to the device.
    public var isDirty: Bool { entry.isDirty }

    /// Changes the contents in place and marks the buffer dirty. `body` must keep the length (it traps otherwise).
    public mutating func modify<Result, Failure: Error>(
        _ body: (inout [UInt8]) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        let size = entry.data.count
        entry.isDirty = true
        defer { precondition(entry.data.count == size, "a buffer's size is the block size; modify must keep it") }
        return try body(&entry.data)
    }

    /// The little-endian integer at byte `offset` (traps if it does not fit in the block).
    public func load<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T {
        precondition(offset >= 0 && offset + MemoryLayout<T>.size <= entry.data.count, "\(T.self) at \(offset) is outside the block")
        return T(littleEndian: entry.data.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: T.self) })
    }

    /// Stores `value` little-endian at byte `offset` and marks the buffer dirty (traps if it does not fit).
    public mutating func store<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        precondition(offset >= 0 && offset + MemoryLayout<T>.size <= entry.data.count, "\(T.self) at \(offset) is outside the block")
        entry.isDirty = true
        entry.data.withUnsafeMutableBytes { $0.storeBytes(of: value.littleEndian, toByteOffset: offset, as: T.self) }
    }

    /// Copies `bytes` into the block at `offset` and marks the buffer dirty (traps if they do not fit).
    public mutating func store(bytes: some Collection<UInt8>, at offset: Int) {
        let count = bytes.count
        precondition(offset >= 0 && offset + count <= entry.data.count, "\(count) bytes at \(offset) are outside the block")
        entry.isDirty = true
        entry.data.replaceSubrange(offset ..< offset + count, with: bytes)
    }

    /// Writes the contents to the device now if dirty (no flush) and keeps holding the block; each dirtying is
    /// still written once. For writing a block while holding it (`BufferCache.writeBack` would wait for it).
    public mutating func writeBack() throws(Errno) {
        try cache.writeHeld(entry)
    }

    /// Gives the block back to the cache (the same as letting the buffer go out of scope).
    public consuming func release() {}
}

@available(*, unavailable, message: "a buffer is held by the thread that got it")
extension Buffer: Sendable {}
