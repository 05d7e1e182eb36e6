import BentoKit
import BentoServices
import Testing
@testable import XV6FS

@Suite struct NamespaceTests {
    @Test func renameOverExistingFileReplacesIt() throws {
        let f = try Fixture()
        let a = try f.create("a"), b = try f.create("b")
        try f.write([1], to: a, at: 0)
        try f.fs.release(f.root, inode: b.inode, handle: b.handle, flags: [])
        f.fs.forget(b.inode, count: 1)
        try f.fs.rename(f.root, parent: .root, name: f.name("a"), newParent: .root, newName: f.name("b"), flags: [])
        #expect(try f.lookup("b").inode == a.inode)
        #expect(try f.names() == [".", "..", "b"])
        #expect(throws: Errno.noSuchFileOrDirectory) { try f.attributes(b.inode) }
        try f.expectClean()
    }

    @Test func renameFlags() throws {
        let f = try Fixture()
        let a = try f.create("a"), b = try f.create("b")
        #expect(throws: Errno.fileExists) {
            try f.fs.rename(f.root, parent: .root, name: f.name("a"), newParent: .root, newName: f.name("b"), flags: .noReplace)
        }
        try f.fs.rename(f.root, parent: .root, name: f.name("a"), newParent: .root, newName: f.name("b"), flags: .exchange)
        #expect(try f.lookup("a").inode == b.inode)
        #expect(try f.lookup("b").inode == a.inode)
        try f.expectClean()
    }

    @Test func movingDirectoriesKeepsLinkCountsAndRefusesCycles() throws {
        let f = try Fixture()
        let x = try f.mkdir("x"), y = try f.mkdir("y")
        let inner = try f.mkdir("inner", in: x)
        #expect(try f.attributes(x).linkCount == 3)
        try f.fs.rename(f.root, parent: x, name: f.name("inner"), newParent: y, newName: f.name("moved"), flags: [])
        #expect(try f.attributes(x).linkCount == 2)
        #expect(try f.attributes(y).linkCount == 3)
        #expect(try f.lookup("..", in: inner).inode == y)
        #expect(throws: Errno.invalidArgument) {
            try f.fs.rename(f.root, parent: .root, name: f.name("y"), newParent: inner, newName: f.name("y"), flags: [])
        }
        #expect(throws: Errno.directoryNotEmpty) {
            try f.fs.rename(f.root, parent: .root, name: f.name("x"), newParent: .root, newName: f.name("y"), flags: [])
        }
        #expect(throws: Errno.directoryNotEmpty) { try f.fs.rmdir(f.root, parent: .root, name: f.name("y")) }
        try f.fs.rmdir(f.root, parent: y, name: f.name("moved"))
        try f.fs.rmdir(f.root, parent: .root, name: f.name("y"))
        #expect(try f.attributes(.root).linkCount == 3)
        try f.expectClean()
    }

    @Test func hardLinksShareTheInode() throws {
        let f = try Fixture()
        let a = try f.create("a")
        let dir = try f.mkdir("d")
        _ = try f.fs.link(f.root, inode: a.inode, newParent: dir, newName: f.name("b"))
        #expect(try f.attributes(a.inode).linkCount == 2)
        #expect(throws: Errno.notPermitted) { _ = try f.fs.link(f.root, inode: dir, newParent: .root, newName: f.name("dl")) }
        try f.fs.unlink(f.root, parent: .root, name: f.name("a"))
        #expect(try f.attributes(a.inode).linkCount == 1)
        try f.expectClean()
    }

    @Test func symlinkTargetsRoundTrip() throws {
        let f = try Fixture()
        let target = Array("../some/where/far".utf8)
        let link = try f.fs.symlink(f.root, parent: .root, name: f.name("l"), target: target)
        #expect(try f.fs.readlink(f.root, inode: link.inode) == target)
        #expect(link.attributes.size == UInt64(target.count))
        #expect(throws: Errno.fileNameTooLong) {
            _ = try f.fs.symlink(f.root, parent: .root, name: f.name("m"), target: [UInt8](repeating: 97, count: 5000))
        }
        try f.expectClean()
    }

    @Test func setGroupIDDirectoriesPassTheirGroupOn() throws {
        let f = try Fixture()
        let shared = try f.mkdir("shared", mode: 0o2777)
        _ = try f.fs.setattr(f.root, inode: shared, changes: AttributeChanges(gid: GroupID(500)))
        _ = try f.fs.setattr(f.root, inode: shared, changes: AttributeChanges(mode: FileMode(type: .directory, permissions: 0o2777)))
        let sub = try f.mkdir("sub", in: shared, as: Fixture.alice)
        #expect(try f.attributes(sub).gid == GroupID(500))
        #expect(try f.attributes(sub).mode.permissions & FileMode.setGroupID != 0)
    }

    @Test func stickyDirectoriesProtectOthersFiles() throws {
        let f = try Fixture()
        let tmp = try f.mkdir("tmp", mode: 0o1777)
        _ = try f.create("mine", in: tmp, as: Fixture.alice)
        #expect(throws: Errno.notPermitted) { try f.fs.unlink(Fixture.bob, parent: tmp, name: f.name("mine")) }
        try f.fs.unlink(Fixture.alice, parent: tmp, name: f.name("mine"))
    }

    @Test func xattrsFollowTheFlags() throws {
        let f = try Fixture()
        let a = try f.create("a")
        let name = try XattrName("user.note")
        try f.fs.setxattr(f.root, inode: a.inode, name: name, value: [1, 2], flags: .create)
        #expect(throws: Errno.fileExists) { try f.fs.setxattr(f.root, inode: a.inode, name: name, value: [3], flags: .create) }
        try f.fs.setxattr(f.root, inode: a.inode, name: name, value: [3], flags: .replace)
        #expect(try f.fs.getxattr(f.root, inode: a.inode, name: name) == [3])
        #expect(try f.fs.listxattr(f.root, inode: a.inode) == [name])
        #expect(throws: Errno.noSpace) {
            try f.fs.setxattr(f.root, inode: a.inode, name: XattrName("user.big"), value: [UInt8](repeating: 0, count: 5000), flags: [])
        }
        try f.fs.removexattr(f.root, inode: a.inode, name: name)
        #expect(throws: Errno.noData) { _ = try f.fs.getxattr(f.root, inode: a.inode, name: name) }
        #expect(try f.attributes(a.inode).blocks == 0)
        try f.expectClean()
    }
}
