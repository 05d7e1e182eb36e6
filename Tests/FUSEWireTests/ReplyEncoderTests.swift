import BentoKit
import Testing
@testable import FUSEWire

private let sampleAttributes = Attributes(
    inode: Inode(7), size: 10, blocks: 8, accessTime: Timestamp(seconds: 1, nanoseconds: 2),
    modificationTime: Timestamp(seconds: 3, nanoseconds: 4), changeTime: Timestamp(seconds: -5, nanoseconds: 6),
    mode: FileMode(rawValue: 0o100644), linkCount: 1, uid: UserID(1000), gid: GroupID(100), device: 0, blockSize: 4096)

/// `fuse_attr` of `sampleAttributes`.
private let sampleAttr: [UInt8] = u64(7) + u64(10) + u64(8)  // ino, size, blocks
    + u64(1) + u64(3) + u64(UInt64(bitPattern: -5))          // atime, mtime, ctime
    + u32(2) + u32(4) + u32(6)                               // atimensec, mtimensec, ctimensec
    + u32(0o100644) + u32(1) + u32(1000) + u32(100)          // mode, nlink, uid, gid
    + u32(0) + u32(4096) + u32(0)                            // rdev, blksize, flags

@Suite struct ReplyEncoderTests {
    @Test func errorsAreNegativeErrnoInAHeaderAlone() {
        #expect(ReplyEncoder.encodeError(.noSuchFileOrDirectory, unique: 42) == outHeader(16, error: -2))
    }

    @Test func errnosTheKernelWouldRefuseBecomeEIO() {
        #expect(ReplyEncoder.encodeError(Errno(rawValue: 0), unique: 42) == outHeader(16, error: -5))
        #expect(ReplyEncoder.encodeError(Errno(rawValue: 512), unique: 42) == outHeader(16, error: -5))
        #expect(ReplyEncoder.encodeError(Errno(rawValue: -3), unique: 42) == outHeader(16, error: -5))
    }

    @Test func entryOut() {
        let entry = Entry(attributes: sampleAttributes, generation: 3, entryTimeout: .milliseconds(1500),
                          attributeTimeout: .seconds(2))
        let expected = outHeader(144)
            + u64(7) + u64(3) + u64(1) + u64(2)    // nodeid, generation, entry_valid, attr_valid
            + u32(500_000_000) + u32(0)            // entry_valid_nsec, attr_valid_nsec
            + sampleAttr
        #expect(encoded(.entry(entry)) == expected)
    }

    @Test func attrOutWithANegativeTimeoutCountsAsZero() {
        #expect(encoded(.attributes(AttributesReply(sampleAttributes, timeout: .seconds(-1))))
                == outHeader(120) + u64(0) + u32(0) + u32(0) + sampleAttr)  // attr_valid, attr_valid_nsec, dummy
    }

    @Test func openOutAndCreate() {
        let open = OpenReply(handle: FileHandle(9), options: [.keepCache, .noFlush])
        #expect(encoded(.open(open)) == outHeader(32) + u64(9) + u32(0b10_0010) + u32(0))  // fh, open_flags, padding
        let create = encoded(.create(CreateReply(entry: Entry(attributes: sampleAttributes), open: open)))
        #expect(create.count == 16 + 128 + 16)
        #expect(Array(create.suffix(16)) == u64(9) + u32(0b10_0010) + u32(0))
    }

    @Test func smallReplies() {
        #expect(encoded(.written(4096)) == outHeader(24) + u32(4096) + u32(0))  // size, padding
        #expect(encoded(.xattrSize(12)) == outHeader(24) + u32(12) + u32(0))    // size, padding
        #expect(encoded(.offset(1 << 40)) == outHeader(24) + u64(1 << 40))       // offset
        #expect(encoded(.empty) == outHeader(16))
    }

    @Test func statfsOut() {
        let statistics = FileSystemStatistics(blockSize: 4096, totalBlocks: 100, freeBlocks: 50, availableBlocks: 40,
                                              totalInodes: 10, freeInodes: 5)
        #expect(encoded(.statistics(statistics)) == outHeader(96)
                + u64(100) + u64(50) + u64(40) + u64(10) + u64(5)  // blocks, bfree, bavail, files, ffree
                + u32(4096) + u32(255) + u32(4096) + u32(0)        // bsize, namelen, frsize, padding
                + [UInt8](repeating: 0, count: 24))                // spare[6]
    }

    @Test func dataGoesInThePayload() {
        let (head, payload) = ReplyEncoder.encode(.data([1, 2, 3]), unique: 42)
        #expect(head == outHeader(19))
        #expect(payload == [1, 2, 3])
    }

    @Test func initOutIn64BytesFrom7_23AndIn24Before() {
        var reply = InitReply(major: 7, minor: 38, maximumReadahead: 131_072,
                              flags: InitFlags(rawValue: 0x3_4040_0001), maximumBackground: 64,
                              congestionThreshold: 48, maximumWrite: 1 << 20, timeGranularity: 1, maximumPages: 256)
        let first24 = u32(7) + u32(38) + u32(131_072) + u32(0x4040_0001)  // major, minor, max_readahead, flags
            + u16(64) + u16(48) + u32(1 << 20)                           // max_background, congestion_threshold, max_write
        #expect(encoded(.initialize(reply)) == outHeader(80) + first24
                + u32(1) + u16(256) + u16(0) + u32(0x3)                  // time_gran, max_pages, map_alignment, flags2
                + [UInt8](repeating: 0, count: 28))                      // unused[7]
        reply.minor = 22
        #expect(encoded(.initialize(reply)).count == 16 + 24)
        #expect(encoded(.protocolVersion(major: 7, minor: 38)) == outHeader(24) + u32(7) + u32(38))
    }

    @Test func capabilitiesMapToInitFlagsBothWays() {
        let capabilities: Capabilities = [.asyncRead, .writebackCache, .readdirPlus, .cacheSymlinks]
        let flags = InitFlags(capabilities)
        #expect(flags == [.asyncRead, .writebackCache, .readdirPlus, .cacheSymlinks])
        #expect(flags.rawValue == (1 << 0) | (1 << 16) | (1 << 13) | (1 << 23))
        #expect(flags.capabilities == capabilities)
        let modern = InitArguments(major: 7, minor: 45, maximumReadahead: 0, flags: [])
        #expect(modern.offeredCapabilities == .nanosecondTimes)
        #expect(InitArguments(major: 7, minor: 22, maximumReadahead: 0, flags: []).offeredCapabilities == [])
    }
}

@Suite struct DirectoryEncoderTests {
    @Test func recordSizesArePaddedTo8Bytes() {
        #expect(DirectoryEncoder.recordSize(nameLength: 1, isPlus: false) == 32)
        #expect(DirectoryEncoder.recordSize(nameLength: 8, isPlus: false) == 32)
        #expect(DirectoryEncoder.recordSize(nameLength: 9, isPlus: false) == 40)
        #expect(DirectoryEncoder.recordSize(nameLength: 9, isPlus: true) == 168)
    }

    @Test func direntRecords() {
        var listing = DirectoryListing(capacity: 4096, isPlus: false) { DirectoryEncoder.recordSize(nameLength: $0, isPlus: $1) }
        listing.append(DirectoryEntry(inode: Inode(1), cookie: 1, type: .directory, name: .dot))
        listing.append(DirectoryEntry(inode: Inode(12), cookie: 2, type: .regular, name: name("file.txt")))
        #expect(DirectoryEncoder.encode(listing)
                == u64(1) + u64(1) + u32(1) + u32(4) + [0x2E] + [UInt8](repeating: 0, count: 7)  // ino, off, namelen, type DT_DIR, ".", pad
                + u64(12) + u64(2) + u32(8) + u32(8) + Array("file.txt".utf8))                 // ino, off, namelen, type DT_REG, name
    }

    @Test func direntplusWithoutLookupHasNodeIDZero() {
        var listing = DirectoryListing(capacity: 4096, isPlus: true) { DirectoryEncoder.recordSize(nameLength: $0, isPlus: $1) }
        listing.append(DirectoryEntry(inode: Inode(1), cookie: 1, type: .directory, name: .dotDot))
        listing.append(DirectoryEntry(inode: Inode(7), cookie: 2, type: .regular, name: name("f")),
                       lookup: Entry(attributes: sampleAttributes, generation: 0, entryTimeout: .seconds(1),
                                     attributeTimeout: .seconds(1)))
        let bytes = DirectoryEncoder.encode(listing)
        #expect(bytes.count == 160 + 160)
        let placeholder = Array(bytes[0..<128])
        #expect(placeholder == [UInt8](repeating: 0, count: 40)  // nodeid 0, generation, valid times
                + u64(1) + [UInt8](repeating: 0, count: 52)       // ino, size..ctimensec
                + u32(0o040000) + [UInt8](repeating: 0, count: 24)) // mode (S_IFDIR), nlink..flags
        #expect(Array(bytes[128..<160]) == u64(1) + u64(1) + u32(2) + u32(4) + [0x2E, 0x2E, 0, 0, 0, 0, 0, 0])
        #expect(Array(bytes[160..<168]) == u64(7))  // the real entry's nodeid
    }
}
