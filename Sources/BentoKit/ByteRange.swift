// Byte ranges built from numbers a request carries (offsets, lengths, sizes). Every such number is hostile: the
// kernel passes what a caller asked for, and a malformed request can hold anything. A trap on one of them ends
// the daemon, and with it the mount for every user, so file-system code builds ranges here, never with a bare
// `offset + length` or `offset..<end`.

extension Range where Bound == UInt64 {
    /// The range a write, truncate or allocation of `length` bytes at `offset` covers, for a file system whose
    /// files end at `maximumSize`: `EFBIG` when it would end past that (or past `UInt64.max`), as ext4 answers.
    public static func written(offset: UInt64, length: UInt64, maximumSize: UInt64) throws(Errno) -> Range<UInt64> {
        let (end, overflow) = offset.addingReportingOverflow(length)
        guard !overflow, end <= maximumSize else { throw .fileTooLarge }
        return offset..<end
    }

    /// The part of `length` bytes at `offset` that lies inside a file of `size` bytes: empty when `offset` is at
    /// or past the end, whatever its value (a read past the end of a file reads nothing).
    public static func read(offset: UInt64, length: UInt64, size: UInt64) -> Range<UInt64> {
        guard offset < size else { return size..<size }
        return offset..<(offset + Swift.min(length, size - offset))
    }
}
