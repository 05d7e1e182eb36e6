import BentoKit
@testable import FUSEWire

// Little-endian field encoders for writing request and reply fixtures field by field, each line commented with the
// `fuse.h` fields it holds.

func u16(_ value: UInt16) -> [UInt8] { withUnsafeBytes(of: value.littleEndian, Array.init) }
func u32(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value.littleEndian, Array.init) }
func u64(_ value: UInt64) -> [UInt8] { withUnsafeBytes(of: value.littleEndian, Array.init) }
func cString(_ string: String) -> [UInt8] { Array(string.utf8) + [0] }

/// A `fuse_in_header` for a body of `bodyLength` bytes (uid 1000, gid 100, pid 4242).
func inHeader(_ opcode: Opcode, unique: UInt64 = 2, nodeID: UInt64 = 1, bodyLength: Int) -> [UInt8] {
    u32(UInt32(40 + bodyLength)) + u32(opcode.rawValue)  // len, opcode
        + u64(unique) + u64(nodeID)                     // unique, nodeid
        + u32(1000) + u32(100) + u32(4242)              // uid, gid, pid
        + u16(0) + u16(0)                               // total_extlen, padding
}

/// A whole request: header plus `body`.
func request(_ opcode: Opcode, unique: UInt64 = 2, nodeID: UInt64 = 1, _ body: [UInt8] = []) -> [UInt8] {
    inHeader(opcode, unique: unique, nodeID: nodeID, bodyLength: body.count) + body
}

/// Decodes `bytes` as one request.
func decode(_ bytes: [UInt8]) throws(DecodeError) -> DecodedRequest {
    try bytes.withUnsafeBytes { buffer in
        Result { () throws(DecodeError) in try RequestDecoder.decode(buffer) }
    }.get()
}

/// The operation `bytes` decode to.
func operation(_ bytes: [UInt8]) throws(DecodeError) -> Operation { try decode(bytes).operation }

/// The reason decoding `bytes` fails, or nil when it succeeds.
func failure(_ bytes: [UInt8]) -> DecodeError.Reason? {
    do { _ = try decode(bytes); return nil } catch { return error.reason }
}

/// `fuse_out_header` of a reply of `length` bytes to request 42.
func outHeader(_ length: Int, error: Int32 = 0) -> [UInt8] {
    u32(UInt32(length)) + withUnsafeBytes(of: error.littleEndian, Array.init) + u64(42)  // len, error, unique
}

/// The bytes of `body` as the reply to request 42, header and payload together.
func encoded(_ body: ReplyBody) -> [UInt8] {
    let (head, payload) = ReplyEncoder.encode(body, unique: 42)
    return head + payload
}

/// A `FileName` from a literal known to be valid.
func name(_ string: String) -> FileName { try! FileName(string) }
