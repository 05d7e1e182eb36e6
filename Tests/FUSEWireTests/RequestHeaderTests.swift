import BentoKit
import Testing
@testable import FUSEWire

@Suite struct RequestHeaderTests {
    @Test func decodesEveryHeaderField() throws {
        let bytes: [UInt8] = u32(46) + u32(1)    // len, opcode LOOKUP
            + u64(0x1234_5678_9abc) + u64(7)     // unique, nodeid
            + u32(1000) + u32(100) + u32(4242)   // uid, gid, pid
            + u16(0) + u16(0)                    // total_extlen, padding
            + cString("hello")                   // name
        let decoded = try decode(bytes)
        #expect(decoded.header == RequestHeader(length: 46, opcode: 1, unique: 0x1234_5678_9abc, nodeID: Inode(7),
                                                uid: UserID(1000), gid: GroupID(100), pid: 4242))
        #expect(decoded.operation == .lookup(name: name("hello")))
    }

    @Test func lengthLargerThanTheBufferIsRejected() {
        var bytes = request(.lookup, cString("a"))
        bytes.replaceSubrange(0..<4, with: u32(UInt32(bytes.count + 1)))  // len lies upwards
        #expect(failure(bytes) == .lengthMismatch)
    }

    @Test func lengthSmallerThanTheBufferIsRejected() {
        var bytes = request(.lookup, cString("a"))
        bytes.replaceSubrange(0..<4, with: u32(40))  // len claims an empty body
        #expect(failure(bytes) == .lengthMismatch)
    }

    @Test func bufferShorterThanAHeaderIsTruncated() {
        #expect(failure(Array(request(.statfs).prefix(39))) == .truncated)
        #expect(failure([]) == .truncated)
    }

    @Test func extensionsLongerThanTheRequestAreRejected() {
        var bytes = request(.statfs)
        bytes.replaceSubrange(36..<38, with: u16(1))  // total_extlen: 8 bytes that are not there
        #expect(failure(bytes) == .lengthMismatch)
    }

    @Test func extensionsAreNotPartOfTheBody() throws {
        var bytes = request(.lookup, cString("a") + [0, 0, 0, 0, 0, 0, 0, 0])
        bytes.replaceSubrange(36..<38, with: u16(1))  // total_extlen: the last 8 bytes
        #expect(try operation(bytes) == .lookup(name: name("a")))
    }

    @Test func peekFindsOpcodeAndUniqueInADamagedHeader() {
        let bytes = Array(request(.getattr, unique: 99).prefix(16))
        let peeked = bytes.withUnsafeBytes { RequestHeader.peek($0) }
        #expect(peeked?.opcode == Opcode.getattr.rawValue)
        #expect(peeked?.unique == 99)
        #expect(Array(bytes.prefix(15)).withUnsafeBytes { RequestHeader.peek($0) } == nil)
    }

    @Test func unknownOpcodesDecodeAsUnknown() throws {
        var bytes = request(.statfs)
        bytes.replaceSubrange(4..<8, with: u32(31))  // FUSE_GETLK
        #expect(try operation(bytes) == .unknown(opcode: 31))
        bytes.replaceSubrange(4..<8, with: u32(0xFFFF_FFFF))
        #expect(try operation(bytes) == .unknown(opcode: 0xFFFF_FFFF))
    }

    @Test func opcodesHaveTheirFuseNames() {
        #expect(Opcode.initialize.name == "INIT")
        #expect(Opcode.batchForget.name == "BATCH_FORGET")
        #expect(Opcode.readdirplus.name == "READDIRPLUS")
        #expect(!Opcode.expectsReply(Opcode.forget.rawValue))
        #expect(Opcode.expectsReply(12345))
    }
}
