import BentoKit
import Foundation
import PassthroughFS
import Testing

@Suite struct DataTests {
    @Test func createWriteAndReadGoThroughToTheHostFile() throws {
        let tree = try HostTree()
        let fs = tree.fs
        let created = try fs.create(.root, parent: .root, name: name("file"), mode: BentoKit.FileMode(type: .regular, permissions: 0o644),
                                    flags: .readWrite)
        let inode = created.entry.inode
        let handle = created.open.handle
        #expect(try fs.write(.root, inode: inode, handle: handle, offset: 0, data: Array("hello world".utf8), flags: .readWrite) == 11)
        #expect(try fs.write(.root, inode: inode, handle: handle, offset: 6, data: Array("swift".utf8), flags: .readWrite) == 5)
        #expect(throws: Errno.noFunction, "nothing is due at close: the kernel stops sending FLUSH") {
            try fs.flush(.root, inode: inode, handle: handle, lockOwner: 0)
        }
        try fs.fsync(.root, inode: inode, handle: handle, dataOnly: true)
        #expect(tree.hostContents("file") == "hello swift")
        #expect(try fs.read(.root, inode: inode, handle: handle, offset: 6, size: 100) == Array("swift".utf8))
        #expect(try fs.getattr(.root, inode: inode, handle: handle).attributes.size == 11)
        try fs.release(.root, inode: inode, handle: handle, flags: .readWrite)
        #expect(throws: Errno.badFileDescriptor) { try fs.read(.root, inode: inode, handle: handle, offset: 0, size: 1) }
        #expect(try tree.hostAttributes("file")[.posixPermissions] as? Int == 0o644)

        tree.writeHostFile("external", "written on the host")
        #expect(try tree.readThroughFS(tree.lookup("external").inode) == Array("written on the host".utf8))
    }

    @Test func createOverAFileThatAppearedOnTheHostKeepsItsMode() throws {
        let tree = try HostTree()
        tree.writeHostFile("raced", "kept")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: tree.host("raced"))
        let mode = BentoKit.FileMode(type: .regular, permissions: 0o666)
        #expect(throws: Errno.fileExists) {
            try tree.fs.create(.root, parent: .root, name: name("raced"), mode: mode, flags: [.readWrite, .exclusive])
        }
        let reply = try tree.fs.create(.root, parent: .root, name: name("raced"), mode: mode, flags: .readWrite)
        try tree.fs.release(.root, inode: reply.entry.inode, handle: reply.open.handle, flags: [])
        #expect(reply.entry.attributes.mode.permissions == 0o600)
        #expect(tree.hostContents("raced") == "kept")
    }

    @Test func openWithTruncateAndAppendBehaveLikeTheHost() throws {
        let tree = try HostTree()
        tree.writeHostFile("file", "abc")
        let inode = try tree.lookup("file").inode
        let handle = try tree.fs.open(.root, inode: inode, flags: [.writeOnly, .append]).handle
        _ = try tree.fs.write(.root, inode: inode, handle: handle, offset: 0, data: Array("def".utf8), flags: [.writeOnly, .append])
        try tree.fs.release(.root, inode: inode, handle: handle, flags: [])
        #expect(tree.hostContents("file") == "abcdef")
        let truncating = try tree.fs.open(.root, inode: inode, flags: [.writeOnly, .truncate]).handle
        try tree.fs.release(.root, inode: inode, handle: truncating, flags: [])
        #expect(tree.hostContents("file") == "")
    }

    @Test func writebackCacheOpensWriteOnlyFilesReadableAndWithoutAppend() throws {
        let tree = try HostTree(options: .init(writebackCache: true))
        var connection = Connection(protocolVersion: (7, 45), offered: [.writebackCache], wanted: [],
                                    maximumWrite: 1 << 20, maximumReadahead: 1 << 20, isReadOnly: false)
        try tree.fs.initialize(&connection)
        #expect(connection.enabled.contains(.writebackCache))
        tree.writeHostFile("file", "abc")
        let inode = try tree.lookup("file").inode
        let handle = try tree.fs.open(.root, inode: inode, flags: [.writeOnly, .append]).handle
        #expect(try tree.fs.read(.root, inode: inode, handle: handle, offset: 0, size: 3) == Array("abc".utf8))
        _ = try tree.fs.write(.root, inode: inode, handle: handle, offset: 1, data: Array("X".utf8), flags: [])
        try tree.fs.release(.root, inode: inode, handle: handle, flags: [])
        #expect(tree.hostContents("file") == "aXc")
    }

    @Test func fallocatePunchesHolesThatSeekFinds() throws {
        let tree = try HostTree()
        let fs = tree.fs
        let created = try fs.create(.root, parent: .root, name: name("sparse"), mode: BentoKit.FileMode(type: .regular, permissions: 0o644),
                                    flags: .readWrite)
        let (inode, handle) = (created.entry.inode, created.open.handle)
        let megabyte: UInt64 = 1 << 20
        let ones = [UInt8](repeating: 1, count: Int(megabyte))
        for index in 0..<UInt64(3) {
            _ = try fs.write(.root, inode: inode, handle: handle, offset: index * megabyte, data: ones, flags: .readWrite)
        }
        try fs.fsync(.root, inode: inode, handle: handle, dataOnly: false)
        let allocated = try fs.getattr(.root, inode: inode, handle: nil).attributes.blocks
        #expect(allocated >= 3 * megabyte / 512)
        #expect(try fs.lseek(.root, inode: inode, handle: handle, offset: 0, whence: .hole) == 3 * megabyte)

        try fs.fallocate(.root, inode: inode, handle: handle, offset: megabyte, length: megabyte, mode: [.punchHole, .keepSize])
        #expect(try fs.getattr(.root, inode: inode, handle: nil).attributes.blocks < allocated)
        #expect(try fs.lseek(.root, inode: inode, handle: handle, offset: 0, whence: .hole) == megabyte)
        #expect(try fs.lseek(.root, inode: inode, handle: handle, offset: megabyte, whence: .data) == 2 * megabyte)
        #expect(try fs.read(.root, inode: inode, handle: handle, offset: megabyte, size: 16) == [UInt8](repeating: 0, count: 16))

        try fs.fallocate(.root, inode: inode, handle: handle, offset: 3 * megabyte, length: megabyte, mode: .keepSize)
        #expect(try fs.getattr(.root, inode: inode, handle: nil).attributes.size == 3 * megabyte)
        #expect(throws: Errno.noSuchAddressOrDevice) {
            try fs.lseek(.root, inode: inode, handle: handle, offset: 4 * megabyte, whence: .data)
        }

        try fs.fallocate(.root, inode: inode, handle: handle, offset: 0, length: 4096, mode: .zeroRange)
        #expect(try fs.read(.root, inode: inode, handle: handle, offset: 4090, size: 12) == [UInt8](repeating: 0, count: 6) + [UInt8](repeating: 1, count: 6))
        try fs.fallocate(.root, inode: inode, handle: handle, offset: 4 * megabyte, length: megabyte, mode: [])
        #expect(try tree.hostAttributes("sparse")[.size] as? Int == Int(5 * megabyte))
        try fs.release(.root, inode: inode, handle: handle, flags: [])
    }

    @Test func copyFileRangeCopiesBetweenOpenFiles() throws {
        let tree = try HostTree()
        let fs = tree.fs
        tree.writeHostFile("source", "0123456789")
        tree.writeHostFile("target", "")
        let source = try tree.lookup("source").inode
        let target = try tree.lookup("target").inode
        let input = try fs.open(.root, inode: source, flags: []).handle
        let output = try fs.open(.root, inode: target, flags: .writeOnly).handle
        #expect(try fs.copyFileRange(.root, from: source, handle: input, offset: 2, to: target, handle: output, offset: 0,
                                     length: 5, flags: 0) == 5)
        try fs.release(.root, inode: source, handle: input, flags: [])
        try fs.release(.root, inode: target, handle: output, flags: [])
        #expect(tree.hostContents("target") == "23456")
    }

    @Test func xattrsRoundTripAndLiveOnTheHostObject() throws {
        let tree = try HostTree()
        let fs = tree.fs
        tree.writeHostFile("file", "x")
        let file = try tree.lookup("file").inode
        let comment = try XattrName("user.comment")
        try fs.setxattr(.root, inode: file, name: comment, value: Array("hi".utf8), flags: .create)
        #expect(throws: Errno.fileExists) { try fs.setxattr(.root, inode: file, name: comment, value: [], flags: .create) }
        #expect(try fs.getxattr(.root, inode: file, name: comment) == Array("hi".utf8))
        #expect(try fs.listxattr(.root, inode: file).contains(comment))
        #expect(try run("/usr/bin/getfattr", ["--only-values", "-n", "user.comment", tree.host("file")]) == "hi")
        try fs.removexattr(.root, inode: file, name: comment)
        #expect(throws: Errno.noData) { try fs.getxattr(.root, inode: file, name: comment) }

        // On a symlink the attribute belongs to the link itself, not its target.
        let link = try fs.symlink(.root, parent: .root, name: name("link"), target: Array("file".utf8))
        let trusted = try XattrName("trusted.note")
        try fs.setxattr(.root, inode: link.inode, name: trusted, value: Array("on-link".utf8), flags: [])
        #expect(try fs.getxattr(.root, inode: link.inode, name: trusted) == Array("on-link".utf8))
        #expect(throws: Errno.noData) { try fs.getxattr(.root, inode: file, name: trusted) }
        #expect(try run("/usr/bin/getfattr", ["-h", "--only-values", "-n", "trusted.note", tree.host("link")]) == "on-link")
    }

    @Test func statfsReportsTheHostFileSystem() throws {
        let tree = try HostTree()
        let statistics = try tree.fs.statfs(.root, inode: .root)
        let host = try FileManager.default.attributesOfFileSystem(forPath: tree.path)
        let hostSize = try #require(host[.systemSize] as? Int)
        #expect(statistics.totalBlocks * UInt64(statistics.fragmentSize) == UInt64(hostSize))
        #expect(statistics.maximumNameLength == 255)
        #expect(statistics.totalInodes > 0)
    }
}
