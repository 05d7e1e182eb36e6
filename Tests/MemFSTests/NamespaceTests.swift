import BentoKit
import Testing
@testable import MemFS

@Suite struct NamespaceTests {
    let t = Fixture()

    @Test func hardLinksShareTheInodeAndCountLinks() throws {
        let file = try t.create("a")
        let link = try t.fs.link(t.root, inode: file.inode, newParent: .root, newName: t.name("b"))
        #expect(link.inode == file.inode)
        #expect(link.attributes.linkCount == 2)
        try t.fs.unlink(t.root, parent: .root, name: t.name("a"))
        #expect(try t.attributes(file.inode).linkCount == 1)
        #expect(try t.lookup("b").inode == file.inode)
        #expect(throws: Errno.noSuchFileOrDirectory) { try t.lookup("a") }
    }

    @Test func hardLinksToDirectoriesAreRefused() throws {
        let directory = try t.mkdir("d")
        #expect(throws: Errno.notPermitted) {
            try t.fs.link(t.root, inode: directory, newParent: .root, newName: t.name("e"))
        }
    }

    @Test func directoryLinkCountsFollowSubdirectories() throws {
        let directory = try t.mkdir("d")
        #expect(try t.attributes(.root).linkCount == 3)
        _ = try t.mkdir("x", in: directory)
        _ = try t.mkdir("y", in: directory)
        _ = try t.create("f", in: directory)
        #expect(try t.attributes(directory).linkCount == 4)
        try t.fs.rmdir(t.root, parent: directory, name: t.name("x"))
        #expect(try t.attributes(directory).linkCount == 3)
    }

    @Test func existingNamesAndWrongTypesAreRefused() throws {
        _ = try t.mkdir("d")
        _ = try t.create("f")
        #expect(throws: Errno.fileExists) { try t.mkdir("d") }
        #expect(throws: Errno.fileExists) { try t.create("f", flags: [.readWrite, .exclusive]) }
        #expect(throws: Errno.isDirectory) { try t.fs.unlink(t.root, parent: .root, name: t.name("d")) }
        #expect(throws: Errno.notDirectory) { try t.fs.rmdir(t.root, parent: .root, name: t.name("f")) }
        #expect(throws: Errno.noSuchFileOrDirectory) { try t.fs.unlink(t.root, parent: .root, name: t.name("nope")) }
        let file = try t.lookup("f").inode
        #expect(throws: Errno.notDirectory) { try t.mkdir("x", in: file) }
    }

    @Test func rmdirRefusesNonEmptyDirectories() throws {
        let directory = try t.mkdir("d")
        _ = try t.create("f", in: directory)
        #expect(throws: Errno.directoryNotEmpty) { try t.fs.rmdir(t.root, parent: .root, name: t.name("d")) }
        try t.fs.unlink(t.root, parent: directory, name: t.name("f"))
        try t.fs.rmdir(t.root, parent: .root, name: t.name("d"))
        #expect(try t.attributes(.root).linkCount == 2)
    }

    @Test func symlinksKeepTheirTargetBytes() throws {
        let target: [UInt8] = Array("../some/where".utf8) + [0xFF]
        let entry = try t.fs.symlink(t.root, parent: .root, name: t.name("l"), target: target)
        #expect(entry.attributes.mode.isSymbolicLink)
        #expect(entry.attributes.size == UInt64(target.count))
        #expect(try t.fs.readlink(t.root, inode: entry.inode) == target)
        #expect(throws: Errno.invalidArgument) { try t.fs.readlink(t.root, inode: .root) }
    }

    @Test func mknodMakesFifosSocketsAndDevices() throws {
        let fifo = try t.fs.mknod(t.root, parent: .root, name: t.name("p"), mode: FileMode(type: .fifo, permissions: 0o600), device: 0)
        #expect(fifo.attributes.mode.type == .fifo)
        let device = try t.fs.mknod(t.root, parent: .root, name: t.name("null"),
                                    mode: FileMode(type: .characterDevice, permissions: 0o666), device: 0x103)
        #expect(device.attributes.device == 0x103)
        #expect(throws: Errno.notPermitted) {
            try t.fs.mknod(Fixture.alice, parent: .root, name: t.name("sda"),
                           mode: FileMode(type: .blockDevice, permissions: 0o600), device: 8)
        }
    }

    @Test func inodeNumbersAreNeverReused() throws {
        let first = try t.create("a")
        try t.fs.release(t.root, inode: first.inode, handle: first.handle, flags: [])
        try t.fs.unlink(t.root, parent: .root, name: t.name("a"))
        t.fs.forget(first.inode, count: 1)
        let second = try t.create("a")
        #expect(second.inode.rawValue > first.inode.rawValue)
    }

    @Test func unlinkedOpenFileLivesUntilReleasedAndForgotten() throws {
        let file = try t.create("a")
        try t.write([1, 2, 3], to: file, at: 0)
        try t.fs.unlink(t.root, parent: .root, name: t.name("a"))
        #expect(try t.read(file, at: 0, count: 3) == [1, 2, 3])
        #expect(try t.attributes(file.inode).linkCount == 0)
        try t.fs.release(t.root, inode: file.inode, handle: file.handle, flags: [])
        #expect(try t.attributes(file.inode).size == 3)
        t.fs.forget(file.inode, count: 1)
        #expect(throws: Errno.noSuchFileOrDirectory) { try t.attributes(file.inode) }
    }
}

@Suite struct RenameTests {
    let t = Fixture()

    @Test func renameMovesANameAndReplacesAnExistingFile() throws {
        let a = try t.create("a"), b = try t.create("b")
        try t.fs.rename(t.root, parent: .root, name: t.name("a"), newParent: .root, newName: t.name("b"), flags: [])
        #expect(try t.lookup("b").inode == a.inode)
        #expect(throws: Errno.noSuchFileOrDirectory) { try t.lookup("a") }
        #expect(try t.attributes(b.inode).linkCount == 0)
        #expect(try t.names(in: .root) == [".", "..", "b"])
    }

    @Test func renameReplacesOnlyEmptyDirectoriesOfTheSameKind() throws {
        let d = try t.mkdir("d"), e = try t.mkdir("e")
        _ = try t.create("f")
        #expect(throws: Errno.isDirectory) {
            try t.fs.rename(t.root, parent: .root, name: t.name("f"), newParent: .root, newName: t.name("d"), flags: [])
        }
        #expect(throws: Errno.notDirectory) {
            try t.fs.rename(t.root, parent: .root, name: t.name("d"), newParent: .root, newName: t.name("f"), flags: [])
        }
        _ = try t.create("inside", in: e)
        #expect(throws: Errno.directoryNotEmpty) {
            try t.fs.rename(t.root, parent: .root, name: t.name("d"), newParent: .root, newName: t.name("e"), flags: [])
        }
        try t.fs.unlink(t.root, parent: e, name: t.name("inside"))
        try t.fs.rename(t.root, parent: .root, name: t.name("d"), newParent: .root, newName: t.name("e"), flags: [])
        #expect(try t.lookup("e").inode == d)
        #expect(try t.attributes(.root).linkCount == 3)
    }

    @Test func noReplaceRefusesAnExistingTarget() throws {
        _ = try t.create("a")
        _ = try t.create("b")
        #expect(throws: Errno.fileExists) {
            try t.fs.rename(t.root, parent: .root, name: t.name("a"), newParent: .root, newName: t.name("b"), flags: .noReplace)
        }
        try t.fs.rename(t.root, parent: .root, name: t.name("a"), newParent: .root, newName: t.name("c"), flags: .noReplace)
        #expect(try t.names(in: .root) == [".", "..", "b", "c"])
    }

    @Test func exchangeSwapsAFileAndADirectoryAcrossParents() throws {
        let parent = try t.mkdir("p")
        let file = try t.create("f")
        let directory = try t.mkdir("d", in: parent)
        try t.fs.rename(t.root, parent: .root, name: t.name("f"), newParent: parent, newName: t.name("d"), flags: .exchange)
        #expect(try t.lookup("f").inode == directory)
        #expect(try t.lookup("d", in: parent).inode == file.inode)
        #expect(try t.lookup("..", in: directory).inode == .root)
        #expect(try t.attributes(parent).linkCount == 2)
        #expect(try t.attributes(.root).linkCount == 4)
        #expect(throws: Errno.noSuchFileOrDirectory) {
            try t.fs.rename(t.root, parent: .root, name: t.name("f"), newParent: .root, newName: t.name("zz"), flags: .exchange)
        }
    }

    @Test func directoryCannotMoveIntoItsOwnSubtree() throws {
        let a = try t.mkdir("a")
        let b = try t.mkdir("b", in: a)
        #expect(throws: Errno.invalidArgument) {
            try t.fs.rename(t.root, parent: .root, name: t.name("a"), newParent: b, newName: t.name("x"), flags: [])
        }
        #expect(throws: Errno.invalidArgument) {
            try t.fs.rename(t.root, parent: .root, name: t.name("a"), newParent: a, newName: t.name("x"), flags: [])
        }
    }

    @Test func movingADirectoryMovesItsParentLink() throws {
        let a = try t.mkdir("a"), b = try t.mkdir("b")
        let c = try t.mkdir("c", in: a)
        try t.fs.rename(t.root, parent: a, name: t.name("c"), newParent: b, newName: t.name("c"), flags: [])
        #expect(try t.attributes(a).linkCount == 2)
        #expect(try t.attributes(b).linkCount == 3)
        #expect(try t.lookup("..", in: c).inode == b)
    }

    @Test func renamingBetweenHardLinksOfOneFileDoesNothing() throws {
        let file = try t.create("a")
        _ = try t.fs.link(t.root, inode: file.inode, newParent: .root, newName: t.name("b"))
        try t.fs.rename(t.root, parent: .root, name: t.name("a"), newParent: .root, newName: t.name("b"), flags: [])
        #expect(try t.names(in: .root) == [".", "..", "a", "b"])
        #expect(try t.attributes(file.inode).linkCount == 2)
    }

    @Test func whiteoutNeverGoesWithExchange() throws {
        _ = try t.create("a")
        _ = try t.create("b")
        #expect(throws: Errno.invalidArgument) {
            try t.fs.rename(t.root, parent: .root, name: t.name("a"), newParent: .root, newName: t.name("b"),
                            flags: [.whiteout, .exchange])
        }
    }
}
