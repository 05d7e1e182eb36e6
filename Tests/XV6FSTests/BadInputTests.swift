import BentoKit
import BentoServices
import Testing
@testable import XV6FS

@Suite struct BadInputTests {
    /// A formatted disk with a few files, cleanly unmounted.
    static func formatted() throws -> SimulatedDisk {
        let f = try Fixture(blocks: 4096)
        try PersistenceTests.buildTree(f)
        f.fs.destroy()
        return f.disk
    }

    static func mountError(_ disk: SimulatedDisk) -> String? {
        do {
            _ = try XV6FS(device: disk)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func zeroedImageIsNotXV6FS() throws {
        let disk = SimulatedDisk(blockCount: 4096)
        #expect(Self.mountError(disk) == "not an xv6fs image (bad magic)")
        #expect(XV6FS.fsck(device: disk).problems == ["not an xv6fs image (bad magic)"])
    }

    @Test func flippedSuperblockByteFailsTheChecksum() throws {
        let disk = try Self.formatted()
        var block = try disk.read(BlockNumber(0))
        block[20] ^= 0xFF
        try disk.write(BlockNumber(0), block)
        #expect(Self.mountError(disk)?.contains("superblock checksum mismatch") == true)
        #expect(!XV6FS.fsck(device: disk).isConsistent)
    }

    /// A block bitmap that shows a metadata block (the first, or the last before the data area) as free is
    /// refused at mount, before anything could allocate it.
    @Test(arguments: [1, -1])
    func aBitmapFreeingMetadataIsRefused(bitFromEnds: Int) throws {
        let disk = try Self.formatted()
        let superblock = try Superblock(decoding: try disk.read(BlockNumber(0)), deviceBlocks: disk.blockCount)
        let bit = bitFromEnds > 0 ? UInt64(bitFromEnds) : superblock.dataStart - UInt64(-bitFromEnds)
        var bitmap = try disk.read(BlockNumber(superblock.blockBitmapStart + bit / UInt64(Format.bitsPerBlock)))
        let within = Int(bit % UInt64(Format.bitsPerBlock))
        bitmap[within / 8] &= ~(1 << (within % 8))
        try disk.write(BlockNumber(superblock.blockBitmapStart + bit / UInt64(Format.bitsPerBlock)), bitmap)
        #expect(Self.mountError(disk) == "corrupted xv6fs image: the bitmaps do not mark the metadata in use; run bento fsck")
        #expect(!XV6FS.fsck(device: disk).isConsistent)
    }

    @Test func truncatedImageIsRefused() throws {
        let disk = try Self.formatted()
        let short = SimulatedDisk(blockCount: 2048)
        for block in 0..<UInt64(2048) { try short.write(BlockNumber(block), try disk.read(BlockNumber(block))) }
        #expect(Self.mountError(short)?.contains("truncated image") == true)
    }

    @Test func zeroedBlockBitmapIsRefusedAndExplained() throws {
        let disk = try Self.formatted()
        let superblock = try Superblock(decoding: try disk.read(BlockNumber(0)), deviceBlocks: disk.blockCount)
        try disk.write(BlockNumber(superblock.blockBitmapStart), [UInt8](repeating: 0, count: 4096))
        #expect(Self.mountError(disk)?.contains("bitmaps") == true)
        let report = XV6FS.fsck(device: disk)
        #expect(report.problems.contains { $0.contains("marked free in the block bitmap") }, "\(report)")
        let repaired = XV6FS.fsck(device: disk, repair: true)
        #expect(repaired.isConsistent, "\(repaired)")
        #expect(Self.mountError(disk) == nil)
    }

    @Test func corruptedInodeIsEIOAndFsckNamesIt() throws {
        let disk = try Self.formatted()
        let superblock = try Superblock(decoding: try disk.read(BlockNumber(0)), deviceBlocks: disk.blockCount)
        let location = superblock.inodeLocation(2)
        var block = try disk.read(location.block)
        block[location.offset + 16] ^= 0x55
        try disk.write(location.block, block)
        let f = try Fixture(disk: disk)
        #expect(throws: Errno.ioError) { _ = try f.lookup("docs") }
        f.fs.destroy()
        #expect(XV6FS.fsck(device: disk).problems.contains("inode 2: checksum mismatch"))
    }

    @Test func garbageDirectoryBlockIsEIONotACrash() throws {
        let f = try Fixture(blocks: 4096)
        let dir = try f.mkdir("d")
        _ = try f.create("x", in: dir)
        try f.fs.sync()
        let disk = try f.fs.table.get(dir.rawValue).disk
        let block = try f.fs.map.lookup(disk, 0)
        f.fs.destroy()
        try f.disk.write(BlockNumber(UInt64(block)), [UInt8](repeating: 0xAB, count: 4096))
        let again = try Fixture(disk: f.disk)
        #expect(throws: Errno.ioError) { _ = try again.lookup("x", in: dir) }
        #expect(!XV6FS.fsck(device: f.disk).isConsistent)
    }

    @Test func fullDiskGivesENOSPCAndStaysConsistent() throws {
        let f = try Fixture(blocks: 1024)
        var files: [(inode: Inode, handle: FileHandle)] = []
        var sawFull = false
        outer: for index in 0..<1000 {
            let file = try f.create("fill\(index)")
            files.append(file)
            for chunk in 0..<64 {
                let written = try? f.write([UInt8](repeating: 1, count: 65536), to: file, at: UInt64(chunk) * 65536)
                if written == nil || written! < 65536 {
                    sawFull = true
                    break outer
                }
            }
        }
        #expect(sawFull)
        try f.expectClean()
        for (index, file) in files.enumerated() {
            try f.fs.release(f.root, inode: file.inode, handle: file.handle, flags: [])
            try f.fs.unlink(f.root, parent: .root, name: f.name("fill\(index)"))
            f.fs.forget(file.inode, count: 1)
        }
        let again = try f.create("after")
        #expect(try f.write([UInt8](repeating: 2, count: 1 << 20), to: again, at: 0) == 1 << 20)
        try f.expectClean()
    }
}
