import BentoKit

/// The fixed start of every request (`fuse_in_header`): who asks, which operation, about which inode.
public struct RequestHeader: Sendable, Hashable {
    /// Length of the whole request in bytes, header included (`len`).
    public var length: UInt32
    /// The operation's number (`opcode`); see `Opcode`.
    public var opcode: UInt32
    /// The kernel's id for this request, echoed in the reply (`unique`).
    public var unique: UInt64
    /// The inode the operation is about: the directory for name operations (`nodeid`).
    public var nodeID: Inode
    /// The caller's effective user id (`uid`).
    public var uid: UserID
    /// The caller's effective group id (`gid`).
    public var gid: GroupID
    /// The caller's thread-group id (`pid`).
    public var pid: UInt32
    /// Bytes of request extensions at the end of the request (`total_extlen` × 8); Bento negotiates none.
    public var extensionLength: Int

    /// A header with the given fields (for tests and tools).
    public init(length: UInt32, opcode: UInt32, unique: UInt64, nodeID: Inode, uid: UserID = .root,
                gid: GroupID = .root, pid: UInt32 = 0, extensionLength: Int = 0) {
        self.length = length
        self.opcode = opcode
        self.unique = unique
        self.nodeID = nodeID
        self.uid = uid
        self.gid = gid
        self.pid = pid
        self.extensionLength = extensionLength
    }

    /// Decodes the header of `request`, which must be exactly one request as read from `/dev/fuse`:
    /// `len` must equal the buffer's size and leave room for the extensions it announces.
    public init(parsing request: UnsafeRawBufferPointer) throws(DecodeError) {
        var reader = WireReader(request, from: 0, to: request.count)
        length = try reader.read()
        opcode = try reader.read()
        unique = try reader.read()
        nodeID = Inode(try reader.read(UInt64.self))
        uid = UserID(try reader.read())
        gid = GroupID(try reader.read())
        pid = try reader.read()
        extensionLength = Int(try reader.read(UInt16.self)) * 8
        try reader.skip(2)
        guard Int(length) == request.count, WireLayout.inHeaderSize + extensionLength <= request.count else {
            throw DecodeError(.lengthMismatch, at: 0)
        }
    }

    /// The opcode and unique id of a request whose header may be damaged, or nil when the buffer is too
    /// short to hold them (then no reply can be addressed).
    public static func peek(_ request: UnsafeRawBufferPointer) -> (opcode: UInt32, unique: UInt64)? {
        var reader = WireReader(request, from: 0, to: request.count)
        guard (try? reader.skip(4)) != nil, let opcode = try? reader.read(UInt32.self),
              let unique = try? reader.read(UInt64.self) else { return nil }
        return (opcode, unique)
    }

    /// Where the operation's arguments lie: between the header and the extensions.
    var bodyRange: Range<Int> { WireLayout.inHeaderSize..<(Int(length) - extensionLength) }
}
