import BentoHost
import BentoKit
import FUSEWire

// Requests as the kernel writes them and replies as it reads them, for driving a `Dispatcher`.

func u32(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value.littleEndian, Array.init) }
func u64(_ value: UInt64) -> [UInt8] { withUnsafeBytes(of: value.littleEndian, Array.init) }
func cString(_ string: String) -> [UInt8] { Array(string.utf8) + [0] }

/// A request: `fuse_in_header` (uid 1000 unless given, gid 100, pid 7) then `body`.
func request(_ opcode: Opcode, unique: UInt64, nodeID: UInt64 = 1, uid: UInt32 = 1000, _ body: [UInt8] = []) -> [UInt8] {
    u32(UInt32(40 + body.count)) + u32(opcode.rawValue)  // len, opcode
        + u64(unique) + u64(nodeID)                      // unique, nodeid
        + u32(uid) + u32(100) + u32(7) + u32(0)          // uid, gid, pid, total_extlen + padding
        + body
}

/// `fuse_init_in` from a kernel speaking 7.`minor` and offering `flags`.
func initRequest(unique: UInt64 = 1, major: UInt32 = 7, minor: UInt32 = 45, readahead: UInt32 = 131_072,
                 flags: InitFlags) -> [UInt8] {
    request(.initialize, unique: unique,
            u32(major) + u32(minor) + u32(readahead)                    // major, minor, max_readahead
            + u32(UInt32(truncatingIfNeeded: flags.rawValue))           // flags
            + u32(UInt32(truncatingIfNeeded: flags.rawValue >> 32))     // flags2
            + [UInt8](repeating: 0, count: 44))                         // unused[11]
}

/// What a 6.18 kernel offers (the flags Bento maps, plus MAX_PAGES and INIT_EXT).
let kernelOffer: InitFlags = [
    .asyncRead, .atomicOpenTruncate, .bigWrites, .autoInvalidateData, .readdirPlus, .readdirPlusAuto, .asyncDirectIO,
    .writebackCache, .parallelDirectoryOperations, .maximumPages, .cacheSymlinks, .handleKillPrivilege, .initExtended,
]

/// `fuse_read_in` (also READDIR and READDIRPLUS).
func readIn(handle: UInt64 = 0, offset: UInt64 = 0, size: UInt32) -> [UInt8] {
    u64(handle) + u64(offset) + u32(size) + u32(0) + u64(0) + u32(0) + u32(0)
}

/// A reply as the kernel reads it: `fuse_out_header` fields and the body.
struct ParsedReply {
    var length: UInt32
    var error: Int32
    var unique: UInt64
    var body: [UInt8]

    init(_ reply: Reply) {
        let bytes = reply.head + reply.payload
        length = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 0, as: UInt32.self) }
        error = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 4, as: Int32.self) }
        unique = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self) }
        body = Array(bytes.dropFirst(16))
    }

    /// The little-endian `UInt32` at `offset` in the body.
    func u32(at offset: Int) -> UInt32 { body.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self) } }
    /// The little-endian `UInt64` at `offset` in the body.
    func u64(at offset: Int) -> UInt64 { body.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt64.self) } }
}

extension Reply {
    /// True when this is a reply the kernel accepts for `request`: lengths agree, the request's id, an error
    /// that is 0 or a negative errno, and only for an opcode that expects a reply.
    func isWellFormed(for request: [UInt8]) -> Bool {
        let peeked = request.withUnsafeBytes { RequestHeader.peek($0) }
        let parsed = ParsedReply(self)
        return head.count >= 16 && Int(parsed.length) == head.count + payload.count
            && parsed.unique == peeked?.unique && parsed.unique != 0 && parsed.error <= 0 && parsed.error > -512
            && peeked.map { Opcode.expectsReply($0.opcode) } == true
    }
}

extension Dispatcher {
    /// Serves `bytes` as one request read from `/dev/fuse`.
    func handle(_ bytes: [UInt8]) -> Reply? { bytes.withUnsafeBytes { handle($0) } }

    /// Serves `bytes` and parses the reply, which must be due.
    func reply(_ bytes: [UInt8]) -> ParsedReply? { handle(bytes).map(ParsedReply.init) }

    /// A dispatcher over `fileSystem` that has answered a 7.45 kernel's INIT.
    static func started(_ fileSystem: any FileSystem = DictionaryTestFileSystem(),
                        options: MountOptions = MountOptions()) -> Dispatcher {
        let dispatcher = Dispatcher(fileSystem: fileSystem, options: options)
        _ = dispatcher.handle(initRequest(flags: kernelOffer))
        return dispatcher
    }
}
