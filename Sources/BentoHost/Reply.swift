/// The bytes of one reply to the kernel: the encoded header and fixed part, then an optional payload
/// (read data, a directory listing), written together with one `writev`.
public struct Reply: Sendable {
    /// `fuse_out_header` and the operation's fixed-size reply struct.
    public var head: [UInt8]
    /// Variable-size data following `head` (may be empty).
    public var payload: [UInt8]

    /// A reply; `head` must begin with a `fuse_out_header` whose `len` is `head.count + payload.count`.
    public init(head: [UInt8], payload: [UInt8] = []) {
        self.head = head
        self.payload = payload
    }
}
