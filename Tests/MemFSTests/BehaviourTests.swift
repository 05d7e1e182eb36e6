import BentoKit
import Dispatch
import Testing
@testable import MemFS

@Suite struct XattrTests {
    let t = Fixture()

    @Test func createAndReplaceFlagsGuardExistence() throws {
        let file = try t.create("f")
        let name = try XattrName("user.comment")
        #expect(throws: Errno.noData) { try t.fs.setxattr(t.root, inode: file.inode, name: name, value: [1], flags: .replace) }
        try t.fs.setxattr(t.root, inode: file.inode, name: name, value: [1], flags: .create)
        #expect(throws: Errno.fileExists) { try t.fs.setxattr(t.root, inode: file.inode, name: name, value: [2], flags: .create) }
        try t.fs.setxattr(t.root, inode: file.inode, name: name, value: [3], flags: .replace)
        #expect(try t.fs.getxattr(t.root, inode: file.inode, name: name) == [3])
        #expect(try t.fs.listxattr(t.root, inode: file.inode) == [name])
        try t.fs.removexattr(t.root, inode: file.inode, name: name)
        #expect(throws: Errno.noData) { try t.fs.getxattr(t.root, inode: file.inode, name: name) }
        #expect(throws: Errno.noData) { try t.fs.removexattr(t.root, inode: file.inode, name: name) }
    }

    @Test func valuesOver64KiBAndUnknownNamespacesAreRefused() throws {
        let file = try t.create("f")
        #expect(throws: Errno.argListTooLong) {
            try t.fs.setxattr(t.root, inode: file.inode, name: try XattrName("user.big"), value: [UInt8](repeating: 0, count: 65_537), flags: [])
        }
        try t.fs.setxattr(t.root, inode: file.inode, name: try XattrName("user.max"), value: [UInt8](repeating: 0, count: 65_536), flags: [])
        #expect(throws: Errno.notSupported) {
            try t.fs.setxattr(t.root, inode: file.inode, name: try XattrName("nonsense"), value: [], flags: [])
        }
    }

    @Test func userAttributesFollowFilePermissionsAndTrustedOnesAreRootsAlone() throws {
        let file = try t.create("f", mode: 0o644)
        #expect(throws: Errno.permissionDenied) {
            try t.fs.setxattr(Fixture.alice, inode: file.inode, name: try XattrName("user.x"), value: [], flags: [])
        }
        try t.fs.setxattr(t.root, inode: file.inode, name: try XattrName("trusted.x"), value: [1], flags: [])
        #expect(try t.fs.listxattr(Fixture.alice, inode: file.inode).isEmpty)
        #expect(throws: Errno.noData) { try t.fs.getxattr(Fixture.alice, inode: file.inode, name: try XattrName("trusted.x")) }
    }
}

@Suite struct TimestampTests {
    let t = Fixture()

    @Test func creationSetsAllTimesAndWritesMoveModificationAndChange() throws {
        let file = try t.create("f")
        let created = try t.attributes(file.inode)
        #expect(created.accessTime == t.clock.now() && created.modificationTime == t.clock.now() && created.changeTime == t.clock.now())
        t.clock.advance(nanoseconds: 5)
        try t.write([1], to: file, at: 0)
        let written = try t.attributes(file.inode)
        #expect(written.modificationTime == t.clock.now() && written.changeTime == t.clock.now())
        #expect(written.accessTime == created.accessTime)
        t.clock.advance()
        _ = try t.read(file, at: 0, count: 1)
        let read = t.clock.now()
        #expect(try t.attributes(file.inode).accessTime == read, "relatime: the access time was not after the write")
        t.clock.advance()
        _ = try t.read(file, at: 0, count: 1)
        #expect(try t.attributes(file.inode).accessTime == read, "relatime: now after every change, so it stays")
    }

    @Test func noatimeReadsLeaveTheAccessTimeAndStrictatimeReadsAlwaysMoveIt() throws {
        for (rule, moves) in [(AccessTimes.noatime, false), (.strictatime, true)] {
            let t = Fixture(options: .init(capacity: 1 << 20, accessTimes: rule))
            let file = try t.create("f")
            let created = try t.attributes(file.inode).accessTime
            for _ in 0..<2 {
                t.clock.advance()
                _ = try t.read(file, at: 0, count: 1)
                #expect(try t.attributes(file.inode).accessTime == (moves ? t.clock.now() : created), "\(rule)")
            }
        }
    }

    @Test func directoryChangesMoveTheDirectorysTimes() throws {
        let directory = try t.mkdir("d")
        t.clock.advance()
        _ = try t.create("f", in: directory)
        #expect(try t.attributes(directory).modificationTime == t.clock.now())
        t.clock.advance()
        try t.fs.unlink(t.root, parent: directory, name: t.name("f"))
        #expect(try t.attributes(directory).changeTime == t.clock.now())
    }

    @Test func chmodLinkAndRenameMoveChangeTimeOnly() throws {
        let file = try t.create("f")
        let before = try t.attributes(file.inode)
        t.clock.advance()
        _ = try t.fs.setattr(t.root, inode: file.inode, changes: AttributeChanges(mode: FileMode(rawValue: 0o600)))
        #expect(try t.attributes(file.inode).changeTime == t.clock.now())
        t.clock.advance()
        _ = try t.fs.link(t.root, inode: file.inode, newParent: .root, newName: t.name("g"))
        #expect(try t.attributes(file.inode).changeTime == t.clock.now())
        t.clock.advance()
        try t.fs.rename(t.root, parent: .root, name: t.name("g"), newParent: .root, newName: t.name("h"), flags: [])
        let after = try t.attributes(file.inode)
        #expect(after.changeTime == t.clock.now())
        #expect(after.modificationTime == before.modificationTime)
    }

    @Test func setattrHonoursExplicitTimesAndNow() throws {
        let file = try t.create("f")
        t.clock.advance(seconds: 10)
        let explicit = Timestamp(seconds: 123, nanoseconds: 456_789)
        _ = try t.fs.setattr(t.root, inode: file.inode, changes: AttributeChanges(accessTime: .time(explicit), modificationTime: .now))
        let attributes = try t.attributes(file.inode)
        #expect(attributes.accessTime == explicit)
        #expect(attributes.modificationTime == t.clock.now())
    }

    @Test func truncateMovesModificationTimeOnlyWhenTheSizeChanges() throws {
        let file = try t.create("f")
        let created = try t.attributes(file.inode).modificationTime
        t.clock.advance()
        _ = try t.fs.setattr(t.root, inode: file.inode, changes: AttributeChanges(size: 0))
        #expect(try t.attributes(file.inode).modificationTime == created)
        _ = try t.fs.setattr(t.root, inode: file.inode, changes: AttributeChanges(size: 10))
        #expect(try t.attributes(file.inode).modificationTime == t.clock.now())
    }
}

@Suite struct MountTests {
    @Test func readOnlyConnectionRefusesEveryChange() throws {
        let t = Fixture()
        let file = try t.create("f")
        var connection = Connection(protocolVersion: (7, 45), offered: [], wanted: [], maximumWrite: 1 << 20,
                                    maximumReadahead: 1 << 20, isReadOnly: true)
        try t.fs.initialize(&connection)
        #expect(throws: Errno.readOnlyFileSystem) { try t.mkdir("d") }
        #expect(throws: Errno.readOnlyFileSystem) { try t.create("g") }
        #expect(throws: Errno.readOnlyFileSystem) { try t.write([1], to: file, at: 0) }
        #expect(throws: Errno.readOnlyFileSystem) { try t.fs.unlink(t.root, parent: .root, name: t.name("f")) }
        #expect(throws: Errno.readOnlyFileSystem) { try t.fs.open(t.root, inode: file.inode, flags: .writeOnly) }
        #expect(throws: Errno.readOnlyFileSystem) {
            _ = try t.fs.setattr(t.root, inode: file.inode, changes: AttributeChanges(mode: FileMode(rawValue: 0o600)))
        }
        #expect(throws: Errno.readOnlyFileSystem) {
            try t.fs.setxattr(t.root, inode: file.inode, name: try XattrName("user.a"), value: [], flags: [])
        }
        #expect(throws: Errno.readOnlyFileSystem) { try t.fs.access(t.root, inode: file.inode, mask: .write) }
        _ = try t.fs.open(t.root, inode: file.inode, flags: [])
        #expect(try t.lookup("f").inode == file.inode)
    }

    @Test func statfsReportsCapacityAndUse() throws {
        let t = Fixture(options: .init(capacity: 1 << 20, maximumInodes: 4))
        let file = try t.create("f")
        try t.write([UInt8](repeating: 1, count: 8192), to: file, at: 0)
        let statistics = try t.fs.statfs(t.root, inode: .root)
        #expect(statistics.totalBlocks == 256 && statistics.freeBlocks == 254)
        #expect(statistics.totalInodes == 4 && statistics.freeInodes == 2)
        _ = try t.mkdir("a")
        _ = try t.mkdir("b")
        #expect(throws: Errno.noSpace) { try t.mkdir("c") }
    }

    @Test func eightConcurrentWritersOnDifferentFilesKeepTheirBytes() throws {
        let t = Fixture()
        let files = try (0..<8).map { try t.create("file\($0)") }
        let chunk = 10_000, rounds = 50
        DispatchQueue.concurrentPerform(iterations: 8) { index in
            let file = files[index]
            for round in 0..<rounds {
                let bytes = [UInt8](repeating: UInt8(index * 16 + round % 16), count: chunk)
                _ = try? t.write(bytes, to: file, at: UInt64(round * chunk))
                _ = try? t.read(file, at: 0, count: UInt32(chunk))
            }
        }
        for (index, file) in files.enumerated() {
            let contents = try t.read(file, at: 0, count: UInt32(chunk * rounds))
            let expected = (0..<rounds).flatMap { [UInt8](repeating: UInt8(index * 16 + $0 % 16), count: chunk) }
            #expect(contents == expected)
        }
    }
}
