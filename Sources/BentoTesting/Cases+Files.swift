import BentoKit
import Testing

// File data and open files: reading, writing, appending, holes, truncation, seeking, allocation, open flags.

let fileCases: [BehaviourCase] = [
    BehaviourCase("writtenBytesReadBack") { w in
        try w.create("f", bytes("hello, world"))
        #expect(try w.contents("f") == bytes("hello, world"))
        #expect(try w.driver.stat(w.path("f")).size == 12)
    },
    BehaviourCase("appendWritesAtTheEndWhateverThePosition") { w in
        try w.create("f", bytes("abc"))
        let fd = try w.driver.open(w.path("f"), [.writeOnly, .append], mode: 0)
        defer { try? w.driver.close(fd) }
        #expect(try w.driver.lseek(fd, 0, .set) == 0)
        #expect(try w.driver.write(fd, bytes("def")) == 3)
        #expect(try w.driver.lseek(fd, 0, .current) == 6)
        #expect(try w.driver.write(fd, bytes("g")) == 1)
        #expect(try w.contents("f") == bytes("abcdefg"))
    },
    BehaviourCase("pwriteBeyondTheEndLeavesAHoleOfZeros") { w in
        let fd = try w.driver.open(w.path("f"), [.readWrite, .create], mode: 0o644)
        defer { try? w.driver.close(fd) }
        #expect(try w.driver.pwrite(fd, bytes("xy"), offset: 10_000) == 2)
        #expect(try w.driver.fstat(fd).size == 10_002)
        #expect(try w.driver.pread(fd, count: 10_002, offset: 0) == [UInt8](repeating: 0, count: 10_000) + bytes("xy"))
        #expect(try w.driver.lseek(fd, 0, .current) == 0)
    },
    BehaviourCase("readAtTheEndReturnsNothingAndShortReadsStopAtTheEnd") { w in
        try w.create("f", bytes("12345"))
        let fd = try w.driver.open(w.path("f"), [], mode: 0)
        defer { try? w.driver.close(fd) }
        #expect(try w.driver.read(fd, count: 100) == bytes("12345"))
        #expect(try w.driver.read(fd, count: 100) == [])
        #expect(try w.driver.pread(fd, count: 10, offset: 3) == bytes("45"))
    },
    BehaviourCase("largeWritesAndReadsCrossTransferSizes") { w in
        let pattern = (0..<(3 << 20) + 123).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 12) }
        let fd = try w.driver.open(w.path("big"), [.readWrite, .create], mode: 0o644)
        defer { try? w.driver.close(fd) }
        #expect(try w.driver.write(fd, pattern) == pattern.count)
        #expect(try w.driver.pread(fd, count: pattern.count + 10, offset: 0) == pattern)
    },
    BehaviourCase("truncateGrowReadsZeros") { w in
        try w.create("f", bytes("abc"))
        try w.driver.truncate(w.path("f"), size: 8192)
        #expect(try w.driver.stat(w.path("f")).size == 8192)
        #expect(try w.contents("f") == bytes("abc") + [UInt8](repeating: 0, count: 8189))
    },
    BehaviourCase("truncateShrinkDropsTheTail") { w in
        try w.create("f", [UInt8](repeating: 7, count: 10_000))
        try w.driver.truncate(w.path("f"), size: 3)
        try w.driver.truncate(w.path("f"), size: 6)
        #expect(try w.contents("f") == [7, 7, 7, 0, 0, 0])
    },
    BehaviourCase("ftruncateNeedsADescriptorOpenForWriting") { w in
        try w.create("f", bytes("abcdef"))
        let reader = try w.driver.open(w.path("f"), [], mode: 0)
        defer { try? w.driver.close(reader) }
        #expect(failure { try w.driver.ftruncate(reader, size: 1) } == .invalidArgument)
        let writer = try w.driver.open(w.path("f"), [.writeOnly], mode: 0)
        defer { try? w.driver.close(writer) }
        try w.driver.ftruncate(writer, size: 2)
        #expect(try w.driver.fstat(reader).size == 2)
    },
    BehaviourCase("openWithTruncateEmptiesAnExistingFile") { w in
        try w.create("f", bytes("old contents"))
        let fd = try w.driver.open(w.path("f"), [.writeOnly, .truncate], mode: 0)
        try w.driver.close(fd)
        #expect(try w.driver.stat(w.path("f")).size == 0)
    },
    BehaviourCase("exclusiveCreateOfAnExistingNameFailsWithEEXIST") { w in
        try w.create("f", bytes("keep"))
        #expect(failure { _ = try w.driver.open(w.path("f"), [.writeOnly, .create, .exclusive], mode: 0o644) } == .fileExists)
        try w.driver.mkdir(w.path("d"), mode: 0o755)
        #expect(failure { _ = try w.driver.open(w.path("d"), [.create, .exclusive], mode: 0o644) } == .fileExists)
        #expect(try w.contents("f") == bytes("keep"))
    },
    BehaviourCase("createWithoutExclusiveOpensTheExistingFile") { w in
        try w.create("f", bytes("keep"))
        let fd = try w.driver.open(w.path("f"), [.readWrite, .create], mode: 0o600)
        defer { try? w.driver.close(fd) }
        #expect(try w.driver.read(fd, count: 10) == bytes("keep"))
        #expect(try w.driver.fstat(fd).mode.permissions == 0o644)
    },
    BehaviourCase("newFilesGetTheModeMinusTheUmask") { w in
        let fd = try w.driver.open(w.path("f"), [.writeOnly, .create], mode: 0o777)
        try w.driver.close(fd)
        let attributes = try w.driver.stat(w.path("f"))
        #expect(attributes.mode == FileMode(type: .regular, permissions: 0o755))
        #expect(attributes.linkCount == 1)
        #expect(attributes.uid == .root)
    },
    BehaviourCase("openingAMissingNameWithoutCreateFailsWithENOENT") { w in
        #expect(failure { _ = try w.driver.open(w.path("missing"), [], mode: 0) } == .noSuchFileOrDirectory)
        #expect(failure { _ = try w.driver.open(w.path("missing/f"), [.create, .writeOnly], mode: 0o644) } == .noSuchFileOrDirectory)
    },
    BehaviourCase("openDirectoryFlagOnAFileFailsWithENOTDIR") { w in
        try w.create("f")
        #expect(failure { _ = try w.driver.open(w.path("f"), [.directory], mode: 0) } == .notDirectory)
        try w.driver.mkdir(w.path("d"), mode: 0o755)
        try w.driver.close(try w.driver.open(w.path("d"), [.directory], mode: 0))
    },
    BehaviourCase("openingADirectoryForWritingFailsWithEISDIR") { w in
        try w.driver.mkdir(w.path("d"), mode: 0o755)
        #expect(failure { _ = try w.driver.open(w.path("d"), [.writeOnly], mode: 0) } == .isDirectory)
        #expect(failure { _ = try w.driver.open(w.path("d"), [.readWrite], mode: 0) } == .isDirectory)
    },
    BehaviourCase("descriptorsOnlyDoWhatTheirAccessModeAllows") { w in
        try w.create("f", bytes("data"))
        let reader = try w.driver.open(w.path("f"), [], mode: 0)
        defer { try? w.driver.close(reader) }
        #expect(failure { _ = try w.driver.write(reader, bytes("x")) } == .badFileDescriptor)
        let writer = try w.driver.open(w.path("f"), [.writeOnly], mode: 0)
        defer { try? w.driver.close(writer) }
        #expect(failure { _ = try w.driver.read(writer, count: 1) } == .badFileDescriptor)
    },
    BehaviourCase("lseekSetCurrentAndEndMoveThePosition") { w in
        try w.create("f", bytes("0123456789"))
        let fd = try w.driver.open(w.path("f"), [], mode: 0)
        defer { try? w.driver.close(fd) }
        #expect(try w.driver.lseek(fd, 4, .set) == 4)
        #expect(try w.driver.read(fd, count: 2) == bytes("45"))
        #expect(try w.driver.lseek(fd, -3, .current) == 3)
        #expect(try w.driver.lseek(fd, -1, .end) == 9)
        #expect(try w.driver.read(fd, count: 5) == bytes("9"))
        #expect(failure { _ = try w.driver.lseek(fd, -20, .end) } == .invalidArgument)
    },
    BehaviourCase("seekDataAndSeekHoleFindTheHolesOfASparseFile") { w in
        let fd = try w.driver.open(w.path("sparse"), [.readWrite, .create], mode: 0o644)
        defer { try? w.driver.close(fd) }
        let megabyte: Int64 = 1 << 20
        _ = try w.driver.pwrite(fd, [UInt8](repeating: 1, count: 4096), offset: 0)
        _ = try w.driver.pwrite(fd, [UInt8](repeating: 2, count: 4096), offset: megabyte)
        let hole = try w.driver.lseek(fd, 0, .hole)
        #expect(hole >= 4096 && hole < megabyte)
        #expect(try w.driver.lseek(fd, 0, .data) == 0)
        #expect(try w.driver.lseek(fd, megabyte - 1, .data) == megabyte)
        #expect(try w.driver.lseek(fd, megabyte, .hole) == megabyte + 4096)
        #expect(failure { _ = try w.driver.lseek(fd, megabyte + 4096, .data) } == .noSuchAddressOrDevice)
    },
    BehaviourCase("fallocatePunchHoleReadsZerosAndKeepsTheSize") { w in
        let fd = try w.driver.open(w.path("f"), [.readWrite, .create], mode: 0o644)
        defer { try? w.driver.close(fd) }
        _ = try w.driver.write(fd, [UInt8](repeating: 0xAB, count: 3 << 16))
        try w.driver.fallocate(fd, mode: [.punchHole, .keepSize], offset: 1 << 16, length: 1 << 16)
        #expect(try w.driver.fstat(fd).size == 3 << 16)
        #expect(try w.driver.pread(fd, count: 1 << 16, offset: 1 << 16) == [UInt8](repeating: 0, count: 1 << 16))
        #expect(try w.driver.pread(fd, count: 1, offset: 2 << 16) == [0xAB])
        #expect(try w.driver.lseek(fd, 0, .hole) == 1 << 16)
        #expect(failure { try w.driver.fallocate(fd, mode: [.punchHole], offset: 0, length: 1) } == .notSupported)
    },
    BehaviourCase("fallocateExtendsTheSizeWithZeros") { w in
        let fd = try w.driver.open(w.path("f"), [.readWrite, .create], mode: 0o644)
        defer { try? w.driver.close(fd) }
        try w.driver.fallocate(fd, mode: [], offset: 0, length: 8192)
        #expect(try w.driver.fstat(fd).size == 8192)
        #expect(try w.driver.pread(fd, count: 8192, offset: 0) == [UInt8](repeating: 0, count: 8192))
        try w.driver.fallocate(fd, mode: [.keepSize], offset: 8192, length: 8192)
        #expect(try w.driver.fstat(fd).size == 8192)
    },
    BehaviourCase("anUnlinkedFileStaysUsableWhileOpen") { w in
        try w.create("f", bytes("still here"))
        let fd = try w.driver.open(w.path("f"), [.readWrite], mode: 0)
        try w.driver.unlink(w.path("f"))
        #expect(failure { _ = try w.driver.stat(w.path("f")) } == .noSuchFileOrDirectory)
        #expect(try w.driver.read(fd, count: 100) == bytes("still here"))
        #expect(try w.driver.write(fd, bytes("!")) == 1)
        #expect(try w.driver.fstat(fd).linkCount == 0)
        try w.driver.close(fd)
        #expect(try w.names() == [])
    },
    BehaviourCase("fsyncAndFdatasyncSucceedOnFilesAndDirectories") { w in
        try w.create("f", bytes("x"))
        let fd = try w.driver.open(w.path("f"), [.writeOnly], mode: 0)
        defer { try? w.driver.close(fd) }
        try w.driver.fsync(fd)
        try w.driver.fdatasync(fd)
        let directory = try w.driver.open(w.root, [.directory], mode: 0)
        defer { try? w.driver.close(directory) }
        try w.driver.fsync(directory)
    },
]
