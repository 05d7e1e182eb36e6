/// A device that hands reads and writes to another and adds behaviour of its own, usually around `flush`
/// (recording crash states, dropping or delaying flushes to test a checker). Conform, give `underlying`, and
/// implement only what differs: everything else goes to `underlying` unchanged.
public protocol BlockDeviceFilter: BlockDevice {
    /// The device reads, writes and flushes go to.
    var underlying: any BlockDevice { get }
}

extension BlockDeviceFilter {
    /// The underlying device's block size.
    public var blockSize: Int { underlying.blockSize }
    /// The underlying device's block count.
    public var blockCount: UInt64 { underlying.blockCount }
    /// Reads from the underlying device.
    public func read(_ block: BlockNumber) throws(Errno) -> [UInt8] { try underlying.read(block) }
    /// Reads a run from the underlying device.
    public func read(_ block: BlockNumber, count: Int) throws(Errno) -> [UInt8] { try underlying.read(block, count: count) }
    /// Writes to the underlying device.
    public func write(_ block: BlockNumber, _ bytes: [UInt8]) throws(Errno) { try underlying.write(block, bytes) }
    /// Writes a run to the underlying device.
    public func write(startingAt block: BlockNumber, _ bytes: [UInt8]) throws(Errno) {
        try underlying.write(startingAt: block, bytes)
    }
    /// Flushes the underlying device.
    public func flush() throws(Errno) { try underlying.flush() }
}
