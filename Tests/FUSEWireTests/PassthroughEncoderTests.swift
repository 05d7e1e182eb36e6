import BentoKit
import Testing
@testable import FUSEWire

/// `_IOC(dir, 229, nr, size)` as include/uapi/asm-generic/ioctl.h builds it (write = 1, read = 2).
private func ioctlNumber(direction: UInt, number: UInt, size: UInt) -> UInt {
    direction << 30 | size << 16 | 229 << 8 | number
}

/// The passthrough fields of the wire (fuse.h 7.40): `FUSE_PASSTHROUGH` and `max_stack_depth` in INIT,
/// `FOPEN_PASSTHROUGH` and `backing_id` in `fuse_open_out`, and the `/dev/fuse` ioctls that register backing files.
@Suite struct PassthroughEncoderTests {
    private let backing = BackingID(rawValue: 3)!

    @Test func openOutNamesTheBackingFileAndKeepsOnlyTheOptionsTheKernelAccepts() {
        // FOPEN_KEEP_CACHE beside FOPEN_PASSTHROUGH fails the open (fs/fuse/iomode.c, FOPEN_PASSTHROUGH_MASK).
        let open = OpenReply(handle: FileHandle(9), options: [.keepCache, .noFlush], backingDescriptor: 12)
        #expect(encoded(.open(open, backing: backing)) == outHeader(32)
                + u64(9) + u32(1 << 7 | 1 << 5) + u32(3))  // fh, open_flags (PASSTHROUGH, NOFLUSH), backing_id
        #expect(encoded(.open(open)) == outHeader(32)
                + u64(9) + u32(1 << 1 | 1 << 5) + u32(0))  // fh, open_flags (KEEP_CACHE, NOFLUSH), backing_id: none
    }

    @Test func createCarriesTheBackingFileInItsOpenHalf() {
        let entry = Entry(attributes: Attributes(inode: Inode(5), mode: FileMode(rawValue: 0o100644)))
        let reply = CreateReply(entry: entry, open: OpenReply(handle: FileHandle(4)))
        let create = encoded(.create(reply, backing: backing))
        #expect(create.count == 16 + 128 + 16)                        // fuse_entry_out, fuse_open_out
        #expect(Array(create.suffix(16)) == u64(4) + u32(1 << 7) + u32(3))  // fh, open_flags (PASSTHROUGH), backing_id
    }

    @Test func backingIDsArePositive() {
        #expect(BackingID(rawValue: 0) == nil && BackingID(rawValue: -1) == nil)
        #expect(BackingID(rawValue: 1)?.rawValue == 1)
    }

    @Test func initOutAnswersPassthroughWithItsStackDepth() {
        let flags: InitFlags = [.asyncRead, .maximumPages, .initExtended, .passthrough]
        #expect(flags.rawValue >> 32 == 1 << 5)  // FUSE_PASSTHROUGH is bit 37: flags2 bit 5
        #expect(InitFlags(.passthrough) == .passthrough && InitFlags.passthrough.capabilities == .passthrough)
        let reply = InitReply(major: 7, minor: 38, maximumReadahead: 131_072, flags: flags, maximumBackground: 64,
                              congestionThreshold: 48, maximumWrite: 1 << 20, timeGranularity: 1, maximumPages: 256,
                              maximumStackDepth: 1)
        let body = Array(encoded(.initialize(reply)).dropFirst(16))
        #expect(body.count == 64)
        #expect(Array(body[12..<16]) == u32(1 | 1 << 22 | 1 << 30))  // flags: ASYNC_READ, MAX_PAGES, INIT_EXT
        #expect(Array(body[32..<64]) == u32(1 << 5)                  // flags2: PASSTHROUGH
                + u32(1)                                             // max_stack_depth
                + u16(0) + [UInt8](repeating: 0, count: 22))         // request_timeout, unused[11]
    }

    @Test func deviceControlNumbersAndBackingMap() {
        #expect(DeviceControl.clone == ioctlNumber(direction: 2, number: 0, size: 4))         // _IOR(229, 0, uint32_t)
        #expect(DeviceControl.backingOpen == ioctlNumber(direction: 1, number: 1, size: 16))  // _IOW(229, 1, backing map)
        #expect(DeviceControl.backingClose == ioctlNumber(direction: 1, number: 2, size: 4))  // _IOW(229, 2, uint32_t)
        #expect(DeviceControl.backingMap(7) == u32(7) + u32(0) + u64(0))  // fd, flags, padding
        #expect(DeviceControl.word(3) == u32(3))
    }
}
