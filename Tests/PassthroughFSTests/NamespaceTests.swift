import BentoKit
import Foundation
import PassthroughFS
import Testing

@Suite struct NamespaceTests {
    @Test func initRejectsAMissingRootAndAFile() throws {
        #expect(throws: Errno.noSuchFileOrDirectory) { try PassthroughFS(root: "/tmp/bento-no-such-directory-\(UUID())") }
        let tree = try HostTree()
        tree.writeHostFile("plain", "x")
        #expect(throws: Errno.notDirectory) { try PassthroughFS(root: tree.host("plain")) }
    }

    @Test func lookupReportsTheHostAttributes() throws {
        let tree = try HostTree()
        tree.writeHostFile("file", "hello")
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: tree.host("file"))
        let entry = try tree.lookup("file")
        #expect(entry.inode != .root)
        #expect(entry.attributes.size == 5)
        #expect(entry.attributes.mode == BentoKit.FileMode(type: .regular, permissions: 0o640))
        #expect(entry.attributes.linkCount == 1)
        #expect(entry.entryTimeout == nil && entry.attributeTimeout == nil)  // the mount's cache policy decides
        #expect(throws: Errno.noSuchFileOrDirectory) { try tree.lookup("missing") }
    }

    @Test func mkdirSymlinkAndLinkAppearOnTheHost() throws {
        let tree = try HostTree()
        let fs = tree.fs
        let directory = try fs.mkdir(.root, parent: .root, name: name("dir"), mode: BentoKit.FileMode(type: .directory, permissions: 0o755))
        #expect(directory.attributes.mode.isDirectory)
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: tree.host("dir"), isDirectory: &isDirectory) && isDirectory.boolValue)
        #expect(try tree.hostAttributes("dir")[.posixPermissions] as? Int == 0o755)

        let link = try fs.symlink(.root, parent: directory.inode, name: name("link"), target: Array("../target".utf8))
        #expect(link.attributes.mode.isSymbolicLink)
        #expect(try fs.readlink(.root, inode: link.inode) == Array("../target".utf8))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: tree.host("dir/link")) == "../target")

        tree.writeHostFile("original", "data")
        let original = try tree.lookup("original")
        let hardLink = try fs.link(.root, inode: original.inode, newParent: directory.inode, newName: name("hard"))
        #expect(hardLink.inode == original.inode)
        #expect(hardLink.attributes.linkCount == 2)
        #expect(tree.hostContents("dir/hard") == "data")
    }

    @Test func unlinkAndRmdirRemoveHostObjects() throws {
        let tree = try HostTree()
        tree.writeHostFile("file", "x")
        try FileManager.default.createDirectory(atPath: tree.host("dir"), withIntermediateDirectories: false)
        tree.writeHostFile("dir/inner", "y")
        try tree.fs.unlink(.root, parent: .root, name: name("file"))
        #expect(!FileManager.default.fileExists(atPath: tree.host("file")))
        #expect(throws: Errno.directoryNotEmpty) { try tree.fs.rmdir(.root, parent: .root, name: name("dir")) }
        let dir = try tree.lookup("dir")
        try tree.fs.unlink(.root, parent: dir.inode, name: name("inner"))
        try tree.fs.rmdir(.root, parent: .root, name: name("dir"))
        #expect(!FileManager.default.fileExists(atPath: tree.host("dir")))
    }

    @Test func renameMovesAndHonoursNoReplaceAndExchange() throws {
        let tree = try HostTree()
        let fs = tree.fs
        tree.writeHostFile("a", "A")
        tree.writeHostFile("b", "B")
        #expect(throws: Errno.fileExists) {
            try fs.rename(.root, parent: .root, name: name("a"), newParent: .root, newName: name("b"), flags: .noReplace)
        }
        try fs.rename(.root, parent: .root, name: name("a"), newParent: .root, newName: name("b"), flags: .exchange)
        #expect(tree.hostContents("a") == "B" && tree.hostContents("b") == "A")
        try fs.rename(.root, parent: .root, name: name("a"), newParent: .root, newName: name("c"), flags: [])
        #expect(tree.hostContents("c") == "B" && !FileManager.default.fileExists(atPath: tree.host("a")))
        try fs.rename(.root, parent: .root, name: name("c"), newParent: .root, newName: name("b"), flags: [])
        #expect(tree.hostContents("b") == "B")
    }

    @Test func mknodMakesFifosDevicesAndFiles() throws {
        let tree = try HostTree()
        let fs = tree.fs
        let fifo = try fs.mknod(.root, parent: .root, name: name("fifo"), mode: BentoKit.FileMode(type: .fifo, permissions: 0o600), device: 0)
        #expect(fifo.attributes.mode.type == .fifo)
        #expect(try run("/usr/bin/stat", ["-c", "%F", tree.host("fifo")]) == "fifo\n")
        // /dev/null is character device 1:3, encoded like the kernel's new_encode_dev.
        let device = try fs.mknod(.root, parent: .root, name: name("null"),
                                  mode: BentoKit.FileMode(type: .characterDevice, permissions: 0o666), device: (1 << 8) | 3)
        #expect(device.attributes.mode.type == .characterDevice)
        #expect(device.attributes.device == (1 << 8) | 3)
        #expect(try run("/usr/bin/stat", ["-c", "%F %t:%T", tree.host("null")]) == "character special file 1:3\n")
        let file = try fs.mknod(.root, parent: .root, name: name("file"), mode: BentoKit.FileMode(type: .regular, permissions: 0o640), device: 0)
        #expect(file.attributes.mode == BentoKit.FileMode(type: .regular, permissions: 0o640))
        #expect(try tree.hostAttributes("file")[.posixPermissions] as? Int == 0o640)
    }

    @Test func setattrChangesModeOwnerSizeAndTimes() throws {
        let tree = try HostTree()
        let fs = tree.fs
        tree.writeHostFile("file", "0123456789")
        let file = try tree.lookup("file")
        var changes = AttributeChanges(mode: BentoKit.FileMode(type: .regular, permissions: 0o600), uid: UserID(1234), gid: GroupID(4321), size: 4)
        changes.accessTime = .time(Timestamp(seconds: 1_000_000, nanoseconds: 123_456_789))
        changes.modificationTime = .time(Timestamp(seconds: 2_000_000, nanoseconds: 987_654_321))
        let reply = try fs.setattr(.root, inode: file.inode, changes: changes)
        #expect(reply.attributes.size == 4 && tree.hostContents("file") == "0123")
        #expect(reply.attributes.mode.permissions == 0o600)
        #expect(reply.attributes.uid == UserID(1234) && reply.attributes.gid == GroupID(4321))
        #expect(reply.attributes.accessTime == Timestamp(seconds: 1_000_000, nanoseconds: 123_456_789))
        #expect(reply.attributes.modificationTime == Timestamp(seconds: 2_000_000, nanoseconds: 987_654_321))
        let host = try tree.hostAttributes("file")
        #expect(host[.ownerAccountID] as? Int == 1234 && host[.posixPermissions] as? Int == 0o600)

        let before = Int64(Date().timeIntervalSince1970) - 1
        let now = try fs.setattr(.root, inode: file.inode, changes: AttributeChanges(accessTime: .now, modificationTime: .now))
        #expect(now.attributes.modificationTime.seconds >= before)
        #expect(now.attributes.accessTime.seconds >= before)
    }

    @Test func accessChecksWithTheCallersIdentity() throws {
        let tree = try HostTree()
        tree.writeHostFile("private", "x")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: tree.host("private"))
        let file = try tree.lookup("private")
        try tree.fs.access(.root, inode: file.inode, mask: [.read, .write])
        #expect(throws: Errno.permissionDenied) { try tree.fs.access(user1000, inode: file.inode, mask: .read) }
        try tree.fs.access(user1000, inode: file.inode, mask: [])
    }
}
