// The byte encoding file systems use for `UpgradeState`: fixed-width little-endian integers and
// length-prefixed byte strings, written in order and read back in the same order. No field names, no
// alignment; the state's version says what follows.

/// Appends values to an `UpgradeState`'s bytes.
public struct StateWriter: Sendable {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8] = []

    /// An empty writer.
    public init() {}

    /// Appends `value` as 8 little-endian bytes.
    public mutating func write(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    /// Appends `value` as 8 bytes (two's complement).
    public mutating func write(_ value: Int64) { write(UInt64(bitPattern: value)) }

    /// Appends `value` as 8 bytes.
    public mutating func write(_ value: UInt32) { write(UInt64(value)) }

    /// Appends `value` as 8 bytes.
    public mutating func write(_ value: Int) { write(Int64(value)) }

    /// Appends `value` as one byte.
    public mutating func write(_ value: Bool) { bytes.append(value ? 1 : 0) }

    /// Appends `value`'s length, then its bytes.
    public mutating func write(_ value: some Collection<UInt8>) {
        write(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// Appends `value` as seconds and nanoseconds.
    public mutating func write(_ value: Timestamp) {
        write(value.seconds)
        write(value.nanoseconds)
    }
}

/// Reads back what a `StateWriter` wrote, in the same order; a short or lying input throws `EINVAL`.
public struct StateReader: Sendable {
    private let bytes: [UInt8]
    private var position = 0

    /// A reader at the start of `bytes`.
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// True once every byte has been read.
    public var isAtEnd: Bool { position == bytes.count }

    /// The next 8 bytes as an unsigned integer.
    public mutating func readUInt64() throws(Errno) -> UInt64 {
        let end = try advance(8)
        return bytes[end - 8..<end].reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// The next 8 bytes as a signed integer.
    public mutating func readInt64() throws(Errno) -> Int64 { Int64(bitPattern: try readUInt64()) }

    /// The next 8 bytes as a 32-bit value; `EINVAL` when it does not fit.
    public mutating func readUInt32() throws(Errno) -> UInt32 {
        guard let value = UInt32(exactly: try readUInt64()) else { throw .invalidArgument }
        return value
    }

    /// The next 8 bytes as an `Int`; `EINVAL` when it does not fit.
    public mutating func readInt() throws(Errno) -> Int {
        guard let value = Int(exactly: try readInt64()) else { throw .invalidArgument }
        return value
    }

    /// A count of items that follow; `EINVAL` when negative (damaged state must throw, not build a reversed range).
    public mutating func readCount() throws(Errno) -> Int {
        let count = try readInt()
        guard count >= 0 else { throw .invalidArgument }
        return count
    }

    /// The next byte as a flag.
    public mutating func readBool() throws(Errno) -> Bool { bytes[try advance(1) - 1] != 0 }

    /// A length, then that many bytes.
    public mutating func readBytes() throws(Errno) -> [UInt8] {
        let count = try readUInt64()
        guard count <= UInt64(bytes.count - position) else { throw .invalidArgument }
        let end = try advance(Int(count))
        return Array(bytes[end - Int(count)..<end])
    }

    /// Seconds, then nanoseconds.
    public mutating func readTimestamp() throws(Errno) -> Timestamp {
        Timestamp(seconds: try readInt64(), nanoseconds: try readUInt32())
    }

    /// Moves past `count` bytes and returns the new position; `EINVAL` past the end.
    private mutating func advance(_ count: Int) throws(Errno) -> Int {
        guard count <= bytes.count - position else { throw .invalidArgument }
        position += count
        return position
    }
}
