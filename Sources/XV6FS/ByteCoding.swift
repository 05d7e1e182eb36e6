// Little-endian integers in byte arrays, in safe Swift (shifts, no unsafe pointers): the only way on-disk structures
// are read and written. Reads past the end of the array answer 0 instead of trapping, so a decoder fed a short
// or corrupted block never crashes; the structure's own checks (magic, checksum, ranges) then reject it.

extension Array where Element == UInt8 {
    /// The little-endian integer of type `T` at `offset`; bytes beyond the array read as 0.
    func load<T: FixedWidthInteger & UnsignedInteger>(_ type: T.Type, at offset: Int) -> T {
        var value: T = 0
        for index in 0..<MemoryLayout<T>.size where offset + index >= 0 && offset + index < count {
            value |= T(self[offset + index]) << (8 * index)
        }
        return value
    }

    /// Stores `value` little-endian at `offset`; bytes beyond the array are dropped.
    mutating func store<T: FixedWidthInteger & UnsignedInteger>(_ value: T, at offset: Int) {
        for index in 0..<MemoryLayout<T>.size where offset + index >= 0 && offset + index < count {
            self[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index))
        }
    }

    /// Copies `bytes` into the array at `offset`, dropping whatever would fall past the end.
    mutating func store(bytes: some Collection<UInt8>, at offset: Int) {
        var position = offset
        for byte in bytes where position < count {
            if position >= 0 { self[position] = byte }
            position += 1
        }
    }

    /// The `length` bytes at `offset`, clamped to the array.
    func bytes(at offset: Int, length: Int) -> ArraySlice<UInt8> {
        let lower = Swift.min(Swift.max(offset, 0), count)
        let upper = Swift.min(Swift.max(lower + Swift.max(length, 0), lower), count)
        return self[lower..<upper]
    }
}
