import BentoKit
import Testing
@testable import FUSEWire

/// `fuse_read_in`: fh, offset, size, read_flags, lock_owner, flags, padding.
private func readIn(handle: UInt64, offset: UInt64, size: UInt32) -> [UInt8] {
    u64(handle) + u64(offset) + u32(size) + u32(0) + u64(0) + u32(0) + u32(0)
}

@Suite struct FileDecoderTests {
    @Test func openAndRead() throws {
        #expect(try operation(request(.open, u32(0o2) + u32(0))) == .open(flags: .readWrite))  // flags, open_flags
        #expect(try operation(request(.read, readIn(handle: 5, offset: 4096, size: 8192)))
                == .read(handle: FileHandle(5), offset: 4096, size: 8192))
        #expect(failure(request(.read, Array(readIn(handle: 5, offset: 0, size: 1).prefix(39)))) == .truncated)
    }

    @Test func offsetsNoKernelSendsAndOversizedTransfersAreRejected() throws {
        let negative: UInt64 = 1 << 63  // a negative loff_t
        #expect(failure(request(.read, readIn(handle: 5, offset: negative, size: 1))) == .invalidValue)
        #expect(failure(request(.read, readIn(handle: 5, offset: 0, size: WireLayout.maximumTransfer + 1))) == .invalidValue)
        #expect(try operation(request(.read, readIn(handle: 5, offset: UInt64(Int64.max), size: WireLayout.maximumTransfer)))
                == .read(handle: FileHandle(5), offset: UInt64(Int64.max), size: WireLayout.maximumTransfer))
        // A directory cookie is the file system's own number: any value passes.
        #expect(try operation(request(.readdir, readIn(handle: 5, offset: .max, size: 4096)))
                == .readdir(handle: FileHandle(5), offset: .max, size: 4096))
        #expect(failure(request(.write, u64(5) + u64(negative) + u32(1) + u32(0) + u64(0) + u32(0) + u32(0) + [1])) == .invalidValue)
        #expect(failure(request(.fallocate, u64(5) + u64(0) + u64(negative) + u32(0) + u32(0))) == .invalidValue)
        #expect(failure(request(.lseek, u64(5) + u64(.max) + u32(3) + u32(0))) == .invalidValue)
        #expect(failure(request(.copyFileRange, u64(5) + u64(negative) + u64(8) + u64(6) + u64(0) + u64(1) + u64(0))) == .invalidValue)
    }

    @Test func writeLendsExactlyItsDataInPlace() throws {
        let body = u64(5) + u64(100) + u32(3) + u32(0)  // fh, offset, size, write_flags
            + u64(0) + u32(0o2000) + u32(0)             // lock_owner, flags (O_APPEND), padding
            + [0xAA, 0xBB, 0xCC]                        // data
        let bytes = request(.write, body)
        guard case .write(let handle, let offset, let payload, let flags) = try operation(bytes) else {
            Issue.record("not decoded as a write")
            return
        }
        #expect(handle == FileHandle(5) && offset == 100 && flags == .append)
        #expect(payload.range == 80..<83)  // after fuse_in_header and fuse_write_in, 40 bytes each
        let data = bytes.withUnsafeBytes { request in payload.withBytes(in: request) { Array(copying: $0) } }
        #expect(data == [0xAA, 0xBB, 0xCC])
    }

    @Test func aWriteOfCachedPagesGoesAtItsOffsetEvenOnAnAppendingFile() throws {
        // write_flags FUSE_WRITE_CACHE: a shared mapping's page written back; the file was opened O_APPEND|O_RDWR.
        let cached = u64(5) + u64(0) + u32(1) + u32(1) + u64(0) + u32(0o2002) + u32(0) + [0xAA]
        guard case .write(_, _, _, let flags) = try operation(request(.write, cached)) else {
            Issue.record("not decoded as a write")
            return
        }
        #expect(!flags.contains(.append) && flags.isWritable)
        let plain = u64(5) + u64(0) + u32(1) + u32(0) + u64(0) + u32(0o2002) + u32(0) + [0xAA]
        guard case .write(_, _, _, let appending) = try operation(request(.write, plain)) else { return }
        #expect(appending.contains(.append))
    }

    @Test func writeWhoseSizeDisagreesWithItsDataIsRejected() {
        let header = u64(5) + u64(0) + u32(4) + u32(0) + u64(0) + u32(0) + u32(0)  // size 4
        #expect(failure(request(.write, header + [1, 2, 3])) == .lengthMismatch)
        #expect(failure(request(.write, header + [1, 2, 3, 4, 5])) == .lengthMismatch)
    }

    @Test func flushReleaseAndFsync() throws {
        #expect(try operation(request(.flush, u64(5) + u32(0) + u32(0) + u64(0xFEED)))  // fh, unused, padding, lock_owner
                == .flush(handle: FileHandle(5), lockOwner: 0xFEED))
        #expect(try operation(request(.release, u64(5) + u32(0o1) + u32(1) + u64(0)))   // fh, flags, release_flags, lock_owner
                == .release(handle: FileHandle(5), flags: .writeOnly))
        #expect(try operation(request(.fsync, u64(5) + u32(1) + u32(0)))                // fh, fsync_flags (FDATASYNC), padding
                == .fsync(handle: FileHandle(5), dataOnly: true))
        #expect(try operation(request(.fsync, u64(5) + u32(0) + u32(0))) == .fsync(handle: FileHandle(5), dataOnly: false))
    }

    @Test func fallocateLseekAndCopyFileRange() throws {
        #expect(try operation(request(.fallocate, u64(5) + u64(10) + u64(20) + u32(3) + u32(0)))  // fh, offset, length, mode
                == .fallocate(handle: FileHandle(5), offset: 10, length: 20, mode: [.keepSize, .punchHole]))
        #expect(try operation(request(.lseek, u64(5) + u64(7) + u32(3) + u32(0)))  // fh, offset, whence SEEK_DATA
                == .lseek(handle: FileHandle(5), offset: 7, whence: .data))
        #expect(failure(request(.lseek, u64(5) + u64(7) + u32(9) + u32(0))) == .invalidValue)  // no such whence
        let copy = u64(5) + u64(1) + u64(8) + u64(6) + u64(2) + u64(4096) + u64(0)  // fh_in, off_in, nodeid_out, fh_out, off_out, len, flags
        #expect(try operation(request(.copyFileRange, copy)) == .copyFileRange(CopyRangeArguments(
            sourceHandle: FileHandle(5), sourceOffset: 1, destination: Inode(8), destinationHandle: FileHandle(6),
            destinationOffset: 2, length: 4096, flags: 0)))
    }
}

@Suite struct DirectoryDecoderTests {
    @Test func directoryRequestsShareTheFileStructs() throws {
        #expect(try operation(request(.opendir, u32(0o200000) + u32(0))) == .opendir(flags: .directory))
        #expect(try operation(request(.readdir, readIn(handle: 3, offset: 2, size: 4096)))
                == .readdir(handle: FileHandle(3), offset: 2, size: 4096))
        #expect(try operation(request(.readdirplus, readIn(handle: 3, offset: 0, size: 4096)))
                == .readdirplus(handle: FileHandle(3), offset: 0, size: 4096))
        #expect(try operation(request(.releasedir, u64(3) + u32(0) + u32(0) + u64(0))) == .releasedir(handle: FileHandle(3)))
        #expect(try operation(request(.fsyncdir, u64(3) + u32(1) + u32(0))) == .fsyncdir(handle: FileHandle(3), dataOnly: true))
        #expect(failure(request(.releasedir, u64(3))) == .truncated)
    }
}
