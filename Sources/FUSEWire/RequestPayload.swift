/// Where a request's data lies among its bytes: WRITE's `size` bytes after `fuse_write_in`. The decoder checks
/// the range against the request's length and records it instead of copying the data out, so the file system
/// reads the bytes where the transport received them (`withBytes(in:_:)`).
public struct RequestPayload: Sendable, Hashable {
    /// The data's byte offsets from the start of the request.
    public let range: Range<Int>

    /// The payload at `range`, which the decoder has checked against the request.
    init(_ range: Range<Int>) { self.range = range }

    /// The number of bytes.
    public var count: Int { range.count }

    /// Calls `body` with the payload's bytes in `request`, the buffer it was decoded from (checked again, so a
    /// different buffer cannot be read past its end).
    public func withBytes<Result, Failure: Error>(in request: UnsafeRawBufferPointer,
                                                 _ body: (Span<UInt8>) throws(Failure) -> Result) throws(Failure) -> Result {
        precondition(range.upperBound <= request.count, "payload outside its request")
        return try body(Span<UInt8>(_unsafeBytes: UnsafeRawBufferPointer(rebasing: request[range])))
    }
}
