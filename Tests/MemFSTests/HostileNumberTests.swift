import BentoKit
import MemFS
import Testing

/// Every number a request or an upgrade state carries is hostile: out-of-range values get ext4's errno, never a
/// trap (which would end the daemon and the mount with it).
@Suite struct HostileNumberTests {
    let t = Fixture()

    @Test func readsAndWritesAtHugeOffsetsAnswerEmptyOrFileTooLarge() throws {
        let file = try t.create("f")
        try t.write([1, 2, 3], to: file, at: 0)
        #expect(try t.read(file, at: .max, count: .max).isEmpty)
        #expect(try t.read(file, at: 1 << 62, count: 10).isEmpty)
        #expect(throws: Errno.fileTooLarge) { try t.write([1], to: file, at: .max) }
        #expect(throws: Errno.fileTooLarge) {
            _ = try t.fs.setattr(t.root, inode: file.inode, changes: AttributeChanges(size: .max))
        }
        #expect(throws: Errno.badFileDescriptor) {
            try t.fs.read(t.root, inode: file.inode, handle: FileHandle(.max), offset: 0, size: 1)
        }
        #expect(throws: Errno.noSuchFileOrDirectory) { try t.fs.getattr(t.root, inode: Inode(.max), handle: nil) }
    }

    @Test func fallocateAndSeekAtHugeOffsetsFailCleanly() throws {
        let file = try t.create("f")
        try t.write([1], to: file, at: 0)
        let fallocate = { (offset: UInt64, length: UInt64, mode: FallocateMode) throws(Errno) in
            try t.fs.fallocate(t.root, inode: file.inode, handle: file.handle, offset: offset, length: length, mode: mode)
        }
        #expect(throws: Errno.invalidArgument) { try fallocate(0, 0, []) }
        #expect(throws: Errno.fileTooLarge) { try fallocate(.max, 2, []) }
        #expect(throws: Errno.fileTooLarge) { try fallocate(1 << 62, 1, []) }
        #expect(throws: Errno.noSpace) { try fallocate(0, 1 << 43, []) }
        try fallocate(0, 1 << 43, [.punchHole, .keepSize])
        for whence in [SeekWhence.data, .hole] {
            #expect(throws: Errno.noSuchAddressOrDevice) {
                try t.fs.lseek(t.root, inode: file.inode, handle: file.handle, offset: .max, whence: whence)
            }
        }
    }

    @Test func copyFileRangeWithOverflowingOffsetsFails() throws {
        let source = try t.create("a"), destination = try t.create("b")
        try t.write([1, 2, 3], to: source, at: 0)
        let copy = { (from: UInt64, to: UInt64, length: UInt64) throws(Errno) -> UInt64 in
            try t.fs.copyFileRange(t.root, from: source.inode, handle: source.handle, offset: from,
                                   to: destination.inode, handle: destination.handle, offset: to, length: length, flags: 0)
        }
        #expect(throws: Errno.overflow) { try copy(0, .max - 1, 3) }
        #expect(throws: Errno.overflow) { try copy(.max, 0, 3) }
        #expect(throws: Errno.fileTooLarge) { try copy(0, 1 << 43, 3) }
        #expect(try copy(0, (1 << 43) - 1, 3) == 1)
        #expect(try copy(1 << 62, 0, 3) == 0)
        #expect(throws: Errno.overflow) {
            try t.fs.copyFileRange(t.root, from: source.inode, handle: source.handle, offset: .max,
                                   to: source.inode, handle: source.handle, offset: .max, length: .max, flags: 0)
        }
    }

    @Test func readdirAtUnknownCookiesListsNothingAndForgetOfEverythingFrees() throws {
        let directory = try t.mkdir("d")
        _ = try t.create("x", in: directory)
        let handle = try t.fs.opendir(t.root, inode: directory, flags: []).handle
        for cookie in [UInt64(1_000), .max] {
            var listing = DirectoryListing(capacity: 10, isPlus: true) { _, _ in 1 }
            try t.fs.readdirplus(t.root, inode: directory, handle: handle, offset: cookie, into: &listing)
            #expect(listing.entries.isEmpty)
        }
        var listing = DirectoryListing(capacity: 10, isPlus: false) { _, _ in 1 }
        #expect(throws: Errno.badFileDescriptor) {
            try t.fs.readdir(t.root, inode: directory, handle: FileHandle(.max), offset: 0, into: &listing)
        }
        let file = try t.create("gone")
        try t.fs.release(t.root, inode: file.inode, handle: file.handle, flags: [])
        try t.fs.unlink(t.root, parent: .root, name: t.name("gone"))
        t.fs.forget(file.inode, count: .max)
        t.fs.forget(Inode(.max), count: .max)
        #expect(throws: Errno.noSuchFileOrDirectory) { try t.fs.getattr(t.root, inode: file.inode, handle: nil) }
    }

    @Test func renameIntoARemovedDirectoryFindsNothing() throws {
        let removed = try t.mkdir("removed")
        let handle = try t.fs.opendir(t.root, inode: removed, flags: []).handle
        try t.fs.rmdir(t.root, parent: .root, name: t.name("removed"))
        _ = try t.create("f")
        #expect(throws: Errno.noSuchFileOrDirectory) {
            try t.fs.rename(t.root, parent: .root, name: t.name("f"), newParent: removed, newName: t.name("f"), flags: [])
        }
        try t.fs.releasedir(t.root, inode: removed, handle: handle)
    }

    /// Upgrade state of a file system holding only its root: flags (2 bytes), next inode, next handle, node count,
    /// then the root: inode, mode, uid, gid, link count, device, three times (16 bytes each), lookups, open count.
    @Test(arguments: [(2, .max), (10, .max), (18, .max), (58, 0), (58, 3), (58, 0xFFFF_FFFF), (122, .max), (130, .max)]
          as [(Int, UInt64)])
    func damagedUpgradeStateIsRefused(offset: Int, value: UInt64) throws {
        var state = try t.fs.prepareUpgrade()
        _ = try MemFS(resuming: state)
        for index in 0..<8 { state.bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
        #expect(throws: ModuleError.self) { try MemFS(resuming: state) }
    }
}
