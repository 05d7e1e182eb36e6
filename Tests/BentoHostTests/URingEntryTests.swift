@testable import BentoHost
import BentoKit
import FUSEWire
import Glibc
import Testing

/// A ring entry rebuilds each request exactly as /dev/fuse delivers it and lays each reply out as the ring takes
/// it (fs/fuse/dev_uring.c: fuse_uring_args_to_ring, fuse_uring_commit, fuse_uring_copy_from_ring).
@Suite struct URingEntryTests {
    /// Writes what the kernel puts in an entry for one request: `fuse_in_header` into in_out, the first argument
    /// into op_in, the other arguments into the payload buffer, then `fuse_uring_ent_in_out`.
    private func kernelFills(_ entry: URingEntry, request: [UInt8], firstArgument: Int, commitID: UInt64) {
        let payload = Array(request.dropFirst(40 + firstArgument))
        let header = Array(request.prefix(40))                                  // fuse_in_header
            + [UInt8](repeating: 0xAA, count: 88)                              // rest of in_out
            + Array(request.dropFirst(40).prefix(firstArgument))               // op_in
            + [UInt8](repeating: 0xBB, count: 128 - firstArgument)             // rest of op_in
            + u64(0) + u64(commitID) + u32(UInt32(payload.count)) + u32(0) + u64(0)  // flags, commit_id, payload_sz, padding, reserved
        entry.header.copyBytes(from: header)
        entry.payload.copyBytes(from: payload)
    }

    @Test func aWriteIsRebuiltWithItsDataInPlace() throws {
        let entry = URingEntry.allocate(payloadCapacity: 8192)
        defer { entry.deallocate() }
        let writeIn = u64(3) + u64(4096) + u32(5) + u32(0)  // fh, offset, size, write_flags
            + u64(0) + u32(0) + u32(0)                        // lock_owner, flags, padding
        let expected = request(.write, unique: 42, nodeID: 2, writeIn + Array("hello".utf8))
        kernelFills(entry, request: expected, firstArgument: 40, commitID: 42)
        let rebuilt = try #require(entry.request())
        #expect(Array(rebuilt) == expected)
        #expect(rebuilt.baseAddress! + 80 == UnsafeRawPointer(entry.payload.baseAddress!))  // the data did not move
        #expect(entry.commitID == 42 && entry.unique == 42)
    }

    @Test func aRequestWithAZeroFirstArgumentIsHeaderAndPayload() throws {
        // LOOKUP: fuse_set_zero_arg0, then the name and its NUL as separate arguments in the payload.
        let entry = URingEntry.allocate(payloadCapacity: 8192)
        defer { entry.deallocate() }
        let expected = request(.lookup, unique: 8, nodeID: 1, cString("name"))
        kernelFills(entry, request: expected, firstArgument: 0, commitID: 8)
        #expect(Array(try #require(entry.request())) == expected)
    }

    @Test func lengthsThatContradictEachOtherAreRefused() {
        let entry = URingEntry.allocate(payloadCapacity: 8192)
        defer { entry.deallocate() }
        let getattr = request(.getattr, unique: 5, nodeID: 1, u32(0) + u32(0) + u64(0))  // getattr_flags, dummy, fh
        kernelFills(entry, request: getattr, firstArgument: 16, commitID: 5)
        let payloadSize = RingLayout.payloadSizeOffset
        entry.header.storeBytes(of: UInt32(17), toByteOffset: payloadSize, as: UInt32.self)  // len < 40 + payload_sz
        #expect(entry.request() == nil)
        entry.header.storeBytes(of: UInt32(9000), toByteOffset: payloadSize, as: UInt32.self)  // more than the buffer
        entry.header.storeBytes(of: UInt32(40 + 9000), toByteOffset: 0, as: UInt32.self)
        #expect(entry.request() == nil)
        entry.header.storeBytes(of: UInt32(0), toByteOffset: payloadSize, as: UInt32.self)  // op_in over 128 bytes
        entry.header.storeBytes(of: UInt32(40 + 129), toByteOffset: 0, as: UInt32.self)
        #expect(entry.request() == nil)
        #expect(RingLayout.firstArgumentSize(requestLength: 40 + 128, payloadSize: 0) == 128)
        #expect(RingLayout.firstArgumentSize(requestLength: 39, payloadSize: 0) == nil)
    }

    @Test func aReplyGoesOutHeaderToInOutAndBodyToThePayload() {
        let entry = URingEntry.allocate(payloadCapacity: 8192)
        defer { entry.deallocate() }
        let head = u32(16 + 8 + 3) + u32(0) + u64(42)  // fuse_out_header: len, error, unique
            + u32(3) + u32(0)                           // fuse_write_out: size, padding (stands for any fixed struct)
        #expect(entry.write(Reply(head: head, payload: [7, 8, 9])))
        #expect(Array(entry.header[0..<16]) == Array(head.prefix(16)))  // in_out
        #expect(Array(entry.payload[0..<11]) == u32(3) + u32(0) + [7, 8, 9])
        #expect(entry.header.loadUnaligned(fromByteOffset: RingLayout.payloadSizeOffset, as: UInt32.self) == 11)

        let error = u32(16) + u32(UInt32(bitPattern: -Errno.noSuchFileOrDirectory.rawValue)) + u64(43)
        #expect(entry.write(Reply(head: error)))
        #expect(Array(entry.header[0..<16]) == error)
        #expect(entry.header.loadUnaligned(fromByteOffset: RingLayout.payloadSizeOffset, as: UInt32.self) == 0)

        #expect(!entry.write(Reply(head: head, payload: [UInt8](repeating: 1, count: 8192))))  // 8200 > 8192
        #expect(Array(entry.header[0..<16]) == error)  // nothing written
    }

    @Test func commandsAndBuffersAreWhereTheKernelReadsThem() {
        let entry = URingEntry.allocate(payloadCapacity: 8192)
        defer { entry.deallocate() }
        let command = entry.command(commitID: 0x1122_3344_5566_7788, queue: 1)
        #expect(Array(command) == u64(0) + u64(0x1122_3344_5566_7788) + [1, 0] + [0, 0, 0, 0, 0, 0])  // flags, commit_id, qid, padding
        let buffers = entry.buffers
        #expect(buffers[0].baseAddress == UnsafeRawPointer(entry.memory.baseAddress) && buffers[0].count == 288)
        #expect(buffers[1].baseAddress == UnsafeRawPointer(entry.payload.baseAddress) && buffers[1].count == 8192)
        #expect(Int(bitPattern: entry.payload.baseAddress) % Int(getpagesize()) == 0)
        #expect(RingLayout.payloadCapacity(maximumWrite: 1 << 20, pageSize: 4096) == 1 << 20)
        #expect(RingLayout.payloadCapacity(maximumWrite: 4096, pageSize: 65536) == 256 << 16)
    }
}
