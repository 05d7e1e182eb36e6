import BentoKit
import Testing
@testable import MemFS

@Suite struct FileDataTests {
    let t = Fixture()

    @Test func writtenBytesReadBackAndReadsStopAtEndOfFile() throws {
        let file = try t.create("a")
        #expect(try t.write(Array("hello world".utf8), to: file, at: 0) == 11)
        #expect(try t.read(file, at: 6, count: 100) == Array("world".utf8))
        #expect(try t.read(file, at: 11, count: 10).isEmpty)
        #expect(try t.attributes(file.inode).size == 11)
    }

    @Test func writesSpanningChunksKeepEveryByte() throws {
        let file = try t.create("big")
        let data = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try t.write(data, to: file, at: 1000)
        #expect(try t.read(file, at: 1000, count: 300_000) == data)
        #expect(try t.read(file, at: 0, count: 1000) == [UInt8](repeating: 0, count: 1000))
    }

    @Test func terabyteSparseFileCostsNothingAndHolesReadAsZeros() throws {
        let file = try t.create("sparse")
        try t.write([1, 2, 3], to: file, at: 1 << 40)
        let attributes = try t.attributes(file.inode)
        #expect(attributes.size == (1 << 40) + 3)
        #expect(attributes.blocks == 8)
        #expect(try t.read(file, at: (1 << 40) - 2, count: 5) == [0, 0, 1, 2, 3])
        #expect(try t.read(file, at: 12_345, count: 4) == [0, 0, 0, 0])
    }

    @Test func seekDataAndHoleFollowAllocatedPages() throws {
        let file = try t.create("holes")
        try t.write([UInt8](repeating: 9, count: 4096), to: file, at: 1 << 20)
        _ = try t.fs.setattr(t.root, inode: file.inode, changes: AttributeChanges(size: 4 << 20))
        let seek = { (offset: UInt64, whence: SeekWhence) throws(Errno) -> UInt64 in
            try t.fs.lseek(t.root, inode: file.inode, handle: file.handle, offset: offset, whence: whence)
        }
        #expect(try seek(0, .data) == 1 << 20)
        #expect(try seek(0, .hole) == 0)
        #expect(try seek(1 << 20, .hole) == (1 << 20) + 4096)
        #expect(try seek((1 << 20) + 100, .data) == (1 << 20) + 100)
        #expect(throws: Errno.noSuchAddressOrDevice) { try seek((1 << 20) + 4096, .data) }
        #expect(throws: Errno.noSuchAddressOrDevice) { try seek(4 << 20, .hole) }
        #expect(try seek((4 << 20) - 1, .hole) == (4 << 20) - 1)
    }

    @Test func truncateShrinksFreesAndGrowsWithZeros() throws {
        let file = try t.create("t")
        try t.write([UInt8](repeating: 0xAA, count: 200_000), to: file, at: 0)
        _ = try t.fs.setattr(t.root, inode: file.inode, changes: AttributeChanges(size: 10))
        #expect(try t.attributes(file.inode).blocks == 8)
        _ = try t.fs.setattr(t.root, inode: file.inode, changes: AttributeChanges(size: 100_000))
        let bytes = try t.read(file, at: 0, count: 100_000)
        #expect(bytes.prefix(10).allSatisfy { $0 == 0xAA })
        #expect(bytes.dropFirst(10).allSatisfy { $0 == 0 })
        #expect(bytes.count == 100_000)
    }

    @Test func fallocateAllocatesPunchesAndZeroes() throws {
        let file = try t.create("f")
        let fallocate = { (offset: UInt64, length: UInt64, mode: FallocateMode) throws(Errno) in
            try t.fs.fallocate(t.root, inode: file.inode, handle: file.handle, offset: offset, length: length, mode: mode)
        }
        try fallocate(0, 8192, [])
        #expect(try t.attributes(file.inode).size == 8192)
        #expect(try t.attributes(file.inode).blocks == 16)
        try fallocate(8192, 4096, .keepSize)
        #expect(try t.attributes(file.inode).size == 8192)
        #expect(try t.attributes(file.inode).blocks == 24)

        try t.write([UInt8](repeating: 5, count: 8192), to: file, at: 0)
        try fallocate(0, 4096, [.punchHole, .keepSize])
        #expect(try t.read(file, at: 0, count: 8192) == [UInt8](repeating: 0, count: 4096) + [UInt8](repeating: 5, count: 4096))
        try fallocate(4096, 100, .zeroRange)
        #expect(try t.read(file, at: 4096, count: 101) == [UInt8](repeating: 0, count: 100) + [5])
        try fallocate(0, 20_000, .zeroRange)
        #expect(try t.attributes(file.inode).size == 20_000)
        try fallocate(0, 30_000, [.zeroRange, .keepSize])
        #expect(try t.attributes(file.inode).size == 20_000)

        #expect(throws: Errno.notSupported) { try fallocate(0, 10, .punchHole) }
        #expect(throws: Errno.notSupported) { try fallocate(0, 10, .collapseRange) }
        #expect(throws: Errno.notSupported) { try fallocate(0, 10, .insertRange) }
        #expect(throws: Errno.invalidArgument) { try fallocate(0, 0, []) }
    }

    @Test func punchingWholeChunksFreesThem() throws {
        let file = try t.create("p")
        try t.write([UInt8](repeating: 1, count: 256 * 1024), to: file, at: 0)
        try t.fs.fallocate(t.root, inode: file.inode, handle: file.handle, offset: 64 * 1024, length: 128 * 1024,
                           mode: [.punchHole, .keepSize])
        #expect(try t.attributes(file.inode).blocks == 128 * 1024 / 512)
        #expect(try t.fs.lseek(t.root, inode: file.inode, handle: file.handle, offset: 0, whence: .hole) == 64 * 1024)
    }

    @Test func appendWritesGoToTheEndWithoutWritebackCache() throws {
        let flags: OpenFlags = [.writeOnly, .append]
        let file = try t.create("log", flags: flags)
        let write = { (text: String, flags: OpenFlags) in
            try t.fs.write(t.root, inode: file.inode, handle: file.handle, offset: 0, data: Array(text.utf8), flags: flags)
        }
        _ = try write("one", flags)  // each write carries the file's flags, as the kernel sends them
        _ = try write("two", flags)
        _ = try write("O", [.writeOnly])  // a written-back page of a shared mapping: at its offset
        let reader = try t.fs.open(t.root, inode: file.inode, flags: [])
        #expect(try t.read((file.inode, reader.handle), at: 0, count: 10) == Array("Onetwo".utf8))
    }

    @Test func appendIsTheKernelsJobWithWritebackCache() throws {
        let fixture = Fixture(options: .init(capacity: 1 << 30, writebackCache: true))
        var connection = Connection(protocolVersion: (7, 45), offered: [.writebackCache], wanted: [],
                                    maximumWrite: 1 << 20, maximumReadahead: 1 << 20, isReadOnly: false)
        try fixture.fs.initialize(&connection)
        #expect(connection.wanted.contains(.writebackCache))
        let file = try fixture.create("log", flags: [.writeOnly, .append])
        try fixture.write(Array("abc".utf8), to: file, at: 0)
        try fixture.write(Array("X".utf8), to: file, at: 1)
        #expect(try fixture.read(file, at: 0, count: 10) == Array("aXc".utf8))
    }

    @Test func handlesEnforceTheirAccessMode() throws {
        let file = try t.create("m")
        let readOnly = try t.fs.open(t.root, inode: file.inode, flags: [])
        #expect(throws: Errno.badFileDescriptor) { try t.write([1], to: (file.inode, readOnly.handle), at: 0) }
        let writeOnly = try t.fs.open(t.root, inode: file.inode, flags: .writeOnly)
        #expect(throws: Errno.badFileDescriptor) { try t.read((file.inode, writeOnly.handle), at: 0, count: 1) }
        try t.fs.release(t.root, inode: file.inode, handle: readOnly.handle, flags: [])
        #expect(throws: Errno.badFileDescriptor) { try t.read((file.inode, readOnly.handle), at: 0, count: 1) }
    }

    @Test func openWithTruncateEmptiesTheFile() throws {
        let file = try t.create("o")
        try t.write([1, 2, 3], to: file, at: 0)
        _ = try t.fs.open(t.root, inode: file.inode, flags: [.writeOnly, .truncate])
        #expect(try t.attributes(file.inode).size == 0)
    }

    @Test func directoriesOpenOnlyForReadingAndFilesNotAsDirectories() throws {
        let directory = try t.mkdir("d")
        #expect(throws: Errno.isDirectory) { try t.fs.open(t.root, inode: directory, flags: .readWrite) }
        let file = try t.create("f")
        #expect(throws: Errno.notDirectory) { try t.fs.opendir(t.root, inode: file.inode, flags: []) }
    }

    @Test func copyFileRangeCopiesBytesAndKeepsHoles() throws {
        let source = try t.create("src"), destination = try t.create("dst")
        try t.write([UInt8](repeating: 7, count: 5000), to: source, at: 0)
        try t.write([UInt8](repeating: 8, count: 10), to: source, at: 3 << 20)
        let copied = try t.fs.copyFileRange(t.root, from: source.inode, handle: source.handle, offset: 0,
                                            to: destination.inode, handle: destination.handle, offset: 0,
                                            length: 1 << 30, flags: 0)
        #expect(copied == (3 << 20) + 10)
        #expect(try t.read(destination, at: 0, count: 5001) == [UInt8](repeating: 7, count: 5000) + [0])
        #expect(try t.read(destination, at: 3 << 20, count: 20) == [UInt8](repeating: 8, count: 10))
        #expect(try t.attributes(destination.inode).blocks < 1000)
    }

    @Test func writesPastTheSizeLimitFailWithFileTooLarge() throws {
        let file = try t.create("huge")
        #expect(throws: Errno.fileTooLarge) { try t.write([1], to: file, at: 1 << 43) }
        #expect(throws: Errno.fileTooLarge) {
            _ = try t.fs.setattr(t.root, inode: file.inode, changes: AttributeChanges(size: (1 << 43) + 1))
        }
        #expect(try t.write([1, 2], to: file, at: (1 << 43) - 1) == 1)
    }

    @Test func writesBeyondCapacityFailWithNoSpace() throws {
        let small = Fixture(options: .init(capacity: 64 * 1024))
        let file = try small.create("f")
        try small.write([UInt8](repeating: 1, count: 64 * 1024), to: file, at: 0)
        #expect(throws: Errno.noSpace) { try small.write([1], to: file, at: 64 * 1024) }
        let statistics = try small.fs.statfs(small.root, inode: .root)
        #expect(statistics.freeBlocks == 0)
        #expect(statistics.totalBlocks == 16)
    }
}
