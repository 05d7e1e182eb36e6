import BentoKit

/// A bounds-checked cursor over one request's bytes: every read is checked against the end of the region
/// it was given (the buffer cut to the header's `len`), loads are unaligned, and nothing is kept after the
/// call that made it, so no pointer escapes.
struct WireReader {
    private let bytes: UnsafeRawBufferPointer
    private let end: Int
    /// The offset of the next byte to read, from the start of the request.
    private(set) var offset: Int

    /// A reader over `bytes[start..<end]`; the caller has checked `0 ≤ start ≤ end ≤ bytes.count`.
    init(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) {
        precondition(0 <= start && start <= end && end <= bytes.count, "reader region outside its buffer")
        self.bytes = bytes
        self.offset = start
        self.end = end
    }

    /// Bytes left to read.
    var remaining: Int { end - offset }

    /// Reads a little-endian integer.
    mutating func read<T: FixedWidthInteger>(_: T.Type = T.self) throws(DecodeError) -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { throw DecodeError(.truncated, at: offset) }
        let value = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += size
        return T(littleEndian: value)
    }

    /// Reads a file offset or size (`loff_t`, signed in the kernel): one past `Int64.max` would be negative
    /// there, so no kernel sends it, and it is `invalidValue` (EINVAL, what Linux answers for a negative offset).
    /// File systems therefore never see an offset they cannot add a request's length to in 64 bits.
    mutating func fileOffset() throws(DecodeError) -> UInt64 {
        let start = offset
        let value: UInt64 = try read()
        guard value <= UInt64(Int64.max) else { throw DecodeError(.invalidValue, at: start) }
        return value
    }

    /// Reads a transfer size (READ, READDIR): at most `WireLayout.maximumTransfer`, the most a kernel sends with
    /// the pages Bento negotiates, so a lying size cannot make a file system allocate gigabytes.
    mutating func transferSize() throws(DecodeError) -> UInt32 {
        let start = offset
        let value: UInt32 = try read()
        guard value <= WireLayout.maximumTransfer else { throw DecodeError(.invalidValue, at: start) }
        return value
    }

    /// Skips padding or fields Bento does not use.
    mutating func skip(_ count: Int) throws(DecodeError) {
        guard count >= 0, remaining >= count else { throw DecodeError(.truncated, at: offset) }
        offset += count
    }

    /// Copies out the next `count` bytes.
    mutating func bytes(_ count: Int) throws(DecodeError) -> [UInt8] {
        guard count >= 0, remaining >= count else { throw DecodeError(.truncated, at: offset) }
        let copy = Array(bytes[offset..<(offset + count)])
        offset += count
        return copy
    }

    /// Skips everything left and says where it was (for data the file system reads in place).
    mutating func restInPlace() -> RequestPayload {
        let payload = RequestPayload(offset..<end)
        offset = end
        return payload
    }

    /// Copies out everything left.
    mutating func rest() -> [UInt8] {
        let copy = Array(bytes[offset..<end])
        offset = end
        return copy
    }

    /// Reads a NUL-terminated string (at most `limit` bytes before the NUL), consuming the NUL; a longer one
    /// fails with `nameTooLong(tooLong)`.
    mutating func cString(limit: Int, tooLong: Errno = .invalidArgument) throws(DecodeError) -> [UInt8] {
        let start = offset
        let searchEnd = min(end, start + limit + 1)
        guard let nul = bytes[start..<searchEnd].firstIndex(of: 0) else {
            throw DecodeError(remaining > limit ? .nameTooLong(tooLong) : .unterminatedString, at: start)
        }
        let string = Array(bytes[start..<nul])
        offset = nul + 1
        return string
    }

    /// Reads a NUL-terminated path component and validates it.
    mutating func fileName() throws(DecodeError) -> FileName {
        let start = offset
        let raw = try cString(limit: FileName.maximumLength, tooLong: .fileNameTooLong)
        do { return try FileName(validating: raw) } catch { throw DecodeError(.invalidName, at: start) }
    }

    /// Reads a NUL-terminated extended-attribute name and validates it.
    mutating func xattrName() throws(DecodeError) -> XattrName {
        let start = offset
        let raw = try cString(limit: XattrName.maximumLength, tooLong: .outOfRange)
        do { return try XattrName(validating: raw) } catch { throw DecodeError(.invalidName, at: start) }
    }

    /// Reads a NUL-terminated symlink target: non-empty, shorter than `PATH_MAX`.
    mutating func path() throws(DecodeError) -> [UInt8] {
        let start = offset
        let raw = try cString(limit: WireLayout.maximumPathLength - 1, tooLong: .fileNameTooLong)
        guard !raw.isEmpty else { throw DecodeError(.invalidName, at: start) }
        return raw
    }
}
