import BentoKit
import BentoServices
import Testing
@testable import XV6FS

/// Every number a request (or an upgrade state, or an image) carries is hostile: out-of-range values get ext4's
/// errno or an empty answer, never a trap that would end the mount.
@Suite struct HostileNumberTests {
    /// A directory lists nothing from a far cookie, and resumes after a record from a cookie inside it.
    @Test func readdirAtAnyCookie() throws {
        let f = try Fixture()
        let directory = try f.mkdir("d")
        for name in ["a", "b", "c"] { _ = try f.create(name, in: directory) }
        let all = try f.listing(of: directory)
        #expect(all.map(\.name) == [".", "..", "a", "b", "c"])
        let a = all[2].cookie
        #expect(try f.listing(of: directory, from: a + 1).map(\.name) == ["b", "c"])
        for far: UInt64 in [1 << 40, (1 << 32) * 4096 + 3, .max - 1, .max] {
            #expect(try f.listing(of: directory, from: far).isEmpty)
        }
    }

    /// Reads past the end are empty; writes and truncates past the maximum file size are EFBIG, and a write
    /// reaching it is cut short there.
    @Test func offsetsAndSizesAtTheLimits() throws {
        let f = try Fixture()
        let file = try f.create("f")
        try f.write([1, 2, 3], to: file, at: 0)
        for offset: UInt64 in [3, 1 << 40, .max] {
            #expect(try f.read(file, at: offset, count: .max).isEmpty)
        }
        #expect(try f.read(file, at: 1, count: .max) == [2, 3])
        for offset: UInt64 in [Format.maximumFileSize, .max - 1, .max] {
            #expect(throws: Errno.fileTooLarge) { try f.write([1, 2], to: file, at: offset) }
        }
        #expect(try f.write([1, 2], to: file, at: Format.maximumFileSize - 1) == 1)
        for size: UInt64 in [Format.maximumFileSize + 1, .max] {
            #expect(throws: Errno.fileTooLarge) {
                try f.fs.setattr(f.root, inode: file.inode, changes: AttributeChanges(size: size))
            }
        }
        let extremes = AttributeChanges(accessTime: .time(Timestamp(seconds: .min)),
                                        modificationTime: .time(Timestamp(seconds: .max, nanoseconds: .max)))
        let attributes = try f.fs.setattr(f.root, inode: file.inode, changes: extremes).attributes
        #expect(attributes.accessTime.seconds == .min && attributes.modificationTime.seconds == .max)
    }

    /// fallocate's bad ranges get ext4's errnos; punching the largest range there is costs what the file holds.
    @Test func fallocateAndSeekAtTheLimits() throws {
        let f = try Fixture()
        let file = try f.create("f")
        try f.write([1], to: file, at: 0)
        try f.write([2], to: file, at: Format.maximumFileSize - 1)
        func fallocate(_ offset: UInt64, _ length: UInt64, _ mode: FallocateMode = []) throws {
            try f.fs.fallocate(f.root, inode: file.inode, handle: file.handle, offset: offset, length: length, mode: mode)
        }
        #expect(throws: Errno.invalidArgument) { try fallocate(0, 0) }
        #expect(throws: Errno.fileTooLarge) { try fallocate(.max, 1) }
        #expect(throws: Errno.fileTooLarge) { try fallocate(1, .max) }
        #expect(throws: Errno.fileTooLarge) { try fallocate(0, 1 << 62, [.punchHole, .keepSize]) }
        try fallocate(0, Format.maximumFileSize, [.punchHole, .keepSize])
        #expect(try f.attributes(file.inode).blocks == 0)
        for offset: UInt64 in [0, Format.maximumFileSize - 1] {
            #expect(throws: Errno.noSuchAddressOrDevice) {
                try f.fs.lseek(f.root, inode: file.inode, handle: file.handle, offset: offset, whence: .data)
            }
        }
        for offset: UInt64 in [Format.maximumFileSize, .max] {
            for whence: SeekWhence in [.data, .hole] {
                #expect(throws: Errno.noSuchAddressOrDevice) {
                    try f.fs.lseek(f.root, inode: file.inode, handle: file.handle, offset: offset, whence: whence)
                }
            }
        }
    }

    /// Node ids past the inode table (or past 32 bits) are ENOENT, unknown handles EBADF, any forget count fine.
    @Test func foreignInodesAndHandles() throws {
        let f = try Fixture()
        let file = try f.create("f")
        for number: UInt64 in [0, 1 << 20, (1 << 32) + 1, .max] {
            #expect(throws: Errno.noSuchFileOrDirectory) { try f.fs.getattr(f.root, inode: Inode(number), handle: nil) }
            #expect(throws: Errno.noSuchFileOrDirectory) { try f.fs.lookup(f.root, parent: Inode(number), name: f.name("f")) }
            f.fs.forget(Inode(number), count: .max)
        }
        f.fs.forget(file.inode, count: .max)
        f.fs.forget(.root, count: .max)
        for handle: UInt64 in [0, file.handle.rawValue + 1, .max] {
            #expect(throws: Errno.badFileDescriptor) {
                try f.fs.read(f.root, inode: file.inode, handle: FileHandle(handle), offset: .max, size: .max)
            }
            #expect(throws: Errno.badFileDescriptor) {
                try f.fs.lseek(f.root, inode: file.inode, handle: FileHandle(handle), offset: .max, whence: .data)
            }
        }
    }

    /// An upgrade state with numbers no instance could have written is refused, not trapped on later.
    @Test(arguments: [(UInt64.max, 1, 0), (2, 2, 0), (2, 1, -1), (2, 1, Int.min)] as [(UInt64, UInt64, Int)])
    func malformedUpgradeStateIsRefused(next: UInt64, handle: UInt64, opens: Int) throws {
        let f = try Fixture()
        let file = try f.create("y")
        try f.fs.sync()
        func state(sequence: UInt64) -> UpgradeState {
            var v1 = StateWriter()
            v1.write(f.fs.dataMode.rawValue)
            v1.write(sequence)
            v1.write(f.fs.journal.position.head)
            v1.write(next)
            v1.write(1)
            v1.write(handle)
            v1.write(file.inode.rawValue)
            v1.write(Int64(OpenFlags.readWrite.rawValue))
            v1.write(1)
            v1.write(file.inode.rawValue)
            v1.write(UInt64(1))
            v1.write(opens)
            return UpgradeState(format: "xv6fs", version: 1, bytes: v1.bytes)
        }
        #expect(throws: MountError.self) { try XV6FS(device: f.disk, resuming: state(sequence: f.fs.journal.position.sequence)) }
        #expect(throws: MountError.self) { try XV6FS(device: f.disk, resuming: state(sequence: .max)) }
    }

    /// A superblock with a valid checksum but counts that would overflow the layout arithmetic is refused.
    @Test func superblockWithHugeCountsIsRefused() throws {
        let disk = try BadInputTests.formatted()
        for field in [16, 24, 40] {
            var block = try disk.read(BlockNumber(0))
            block.store(UInt64.max, at: field)
            block.store(CRC32C.checksum(block[0..<252]), at: 252)
            #expect(throws: FormatError.self) { try Superblock(decoding: block, deviceBlocks: disk.blockCount) }
        }
    }
}
