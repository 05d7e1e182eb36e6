import BentoKit

/// The bytes of one reply to the kernel: the encoded header and fixed part, then an optional payload
/// (read data, a directory listing), written together with one `writev`.
public struct Reply: Sendable {
    /// `fuse_out_header` and the operation's fixed-size reply struct.
    public var head: [UInt8]
    /// Variable-size data following `head` (may be empty).
    public var payload: [UInt8]
    /// Bytes of read data already written into the transport's reply buffer (`ReplyBuffer`), which follow `head`
    /// instead of `payload` (then empty, and `head` just the `fuse_out_header`); 0 for other replies.
    public var payloadInPlace: Int

    /// A reply; `head` must begin with a `fuse_out_header` whose `len` is `head.count + payload.count +
    /// payloadInPlace`.
    public init(head: [UInt8], payload: [UInt8] = [], payloadInPlace: Int = 0) {
        self.head = head
        self.payload = payload
        self.payloadInPlace = payloadInPlace
    }
}

/// Memory a transport lends the dispatcher for one request's reply data (FUSE over io_uring: the entry's payload
/// buffer, which the kernel copies the reply from). A READ's file system then writes its bytes there once
/// (`FileSystem.read(into:)`) instead of into an array the transport copies again. Valid only during the
/// `Dispatcher.handle` call that receives it, and not overlapping that request's bytes.
public struct ReplyBuffer {
    /// The lent memory.
    let memory: UnsafeMutableRawBufferPointer

    /// Lends `memory`.
    public init(_ memory: UnsafeMutableRawBufferPointer) { self.memory = memory }

    /// Bytes it holds.
    var capacity: Int { memory.count }

    /// Runs `body` with an empty output span over the memory and returns how many bytes it appended.
    func fill(_ body: (inout OutputSpan<UInt8>) throws(Errno) -> Void) throws(Errno) -> Int {
        let bytes = memory.bindMemory(to: UInt8.self)
        var output = OutputSpan<UInt8>(buffer: bytes, initializedCount: 0)
        try body(&output)
        return output.finalize(for: bytes)
    }
}
