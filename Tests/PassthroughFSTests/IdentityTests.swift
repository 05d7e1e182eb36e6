import BentoKit
import Foundation
import PassthroughFS
import Testing

@Suite struct IdentityTests {
    @Test func objectsMadeForAnotherUserBelongToThatUser() throws {
        let tree = try HostTree()
        let fs = tree.fs
        let regular = BentoKit.FileMode(type: .regular, permissions: 0o644)
        let created = try fs.create(user1000, parent: .root, name: name("created"), mode: regular, flags: .writeOnly)
        try fs.release(user1000, inode: created.entry.inode, handle: created.open.handle, flags: [])
        let directory = try fs.mkdir(user1000, parent: .root, name: name("dir"), mode: BentoKit.FileMode(type: .directory, permissions: 0o755))
        _ = try fs.mknod(user1000, parent: directory.inode, name: name("node"), mode: regular, device: 0)
        _ = try fs.symlink(user1000, parent: directory.inode, name: name("link"), target: Array("node".utf8))
        for path in ["created", "dir", "dir/node"] {
            let host = try tree.hostAttributes(path)
            #expect(host[.ownerAccountID] as? Int == 1000, "\(path)")
            #expect(host[.groupOwnerAccountID] as? Int == 1000, "\(path)")
        }
        #expect(try run("/usr/bin/stat", ["-c", "%u:%g", tree.host("dir/link")]) == "1000:1000\n")
        #expect(created.entry.attributes.uid == UserID(1000) && created.entry.attributes.gid == GroupID(1000))

        // The caller's identity is only borrowed: the next root call still creates as root.
        let rootFile = try fs.mknod(.root, parent: .root, name: name("root-file"), mode: regular, device: 0)
        #expect(rootFile.attributes.uid == .root)
    }

    @Test func theHostChecksPermissionsAsTheCaller() throws {
        let tree = try HostTree()
        try FileManager.default.createDirectory(atPath: tree.host("locked"), withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o755])
        let locked = try tree.lookup("locked").inode
        #expect(throws: Errno.permissionDenied) {
            try tree.fs.mkdir(user1000, parent: locked, name: name("nope"), mode: BentoKit.FileMode(type: .directory, permissions: 0o755))
        }
        #expect(!FileManager.default.fileExists(atPath: tree.host("locked/nope")))
    }

    @Test func aSetGroupIDDirectoryPassesOnItsGroup() throws {
        let tree = try HostTree()
        try FileManager.default.createDirectory(atPath: tree.host("shared"), withIntermediateDirectories: false)
        try FileManager.default.setAttributes([.groupOwnerAccountID: 4242, .posixPermissions: 0o2777], ofItemAtPath: tree.host("shared"))
        let shared = try tree.lookup("shared").inode
        let file = try tree.fs.mknod(user1000, parent: shared, name: name("file"), mode: BentoKit.FileMode(type: .regular, permissions: 0o644), device: 0)
        let subdirectory = try tree.fs.mkdir(user1000, parent: shared, name: name("sub"), mode: BentoKit.FileMode(type: .directory, permissions: 0o755))
        #expect(file.attributes.uid == UserID(1000) && file.attributes.gid == GroupID(4242))
        #expect(subdirectory.attributes.gid == GroupID(4242))
        #expect(subdirectory.attributes.mode.permissions & BentoKit.FileMode.setGroupID != 0)
        #expect(try tree.hostAttributes("shared/file")[.groupOwnerAccountID] as? Int == 4242)
    }

    @Test func statShowsTheHostsInodeNumberAcrossForgetsAndHardLinks() throws {
        let tree = try HostTree()
        let fs = tree.fs
        tree.writeHostFile("file", "x")
        let host = try #require(try tree.hostAttributes("file")[.systemFileNumber] as? Int)
        let first = try tree.lookup("file")
        #expect(first.attributes.inode == Inode(UInt64(host)), "stat shows the host's inode number, not the node id")
        fs.forget(first.inode, count: 1)  // the kernel forgot it: its node id is gone
        let again = try tree.lookup("file")
        #expect(again.attributes.inode == first.attributes.inode)
        #expect(try fs.getattr(.root, inode: again.inode, handle: nil).attributes.inode == first.attributes.inode)
        let link = try fs.link(.root, inode: again.inode, newParent: .root, newName: name("alias"))
        #expect(link.attributes.inode == first.attributes.inode, "a hard link shows the same inode number")
    }

    @Test func lookupsCountAndForgetFreesTheEntry() throws {
        let tree = try HostTree()
        let fs = tree.fs
        tree.writeHostFile("file", "x")
        let first = try tree.lookup("file")
        let second = try tree.lookup("file")
        #expect(first.inode == second.inode)
        #expect(fs.lookupCount(of: first.inode) == 2)
        #expect(fs.knownInodeCount == 2)

        // A hard link is the same host object, so the same node.
        let link = try fs.link(.root, inode: first.inode, newParent: .root, newName: name("alias"))
        #expect(link.inode == first.inode && fs.lookupCount(of: first.inode) == 3)

        fs.forget(first.inode, count: 2)
        #expect(fs.lookupCount(of: first.inode) == 1)
        fs.forget(first.inode, count: 1)
        #expect(fs.lookupCount(of: first.inode) == 0)
        #expect(fs.knownInodeCount == 1)
        #expect(throws: Errno.staleNFSFileHandle) { try fs.getattr(.root, inode: first.inode, handle: nil) }

        // Looking it up again makes a new node id; ids are never reused.
        let again = try tree.lookup("file")
        #expect(again.inode.rawValue > first.inode.rawValue)
        fs.forget(.root, count: 100)
        #expect(try fs.getattr(.root, inode: .root, handle: nil).attributes.mode.isDirectory)
    }

    @Test func descriptorsStayBoundedWithThirtyThousandInodes() throws {
        let tree = try HostTree()
        let fs = tree.fs
        let count = 30_000
        try FileManager.default.createDirectory(atPath: tree.host("many"), withIntermediateDirectories: false)
        // FileManager takes ~1 ms a file; the shell's builtins write them all in well under a second.
        try run("/bin/bash", ["-c", "cd \"$1\" && for i in $(seq 0 \(count - 1)); do printf 'file %s' $i > f$i; done", "-", tree.host("many")])
        let directory = try tree.lookup("many").inode
        var inodes: [Inode] = []
        inodes.reserveCapacity(count)
        for index in 0..<count {
            inodes.append(try fs.lookup(.root, parent: directory, name: name("f\(index)")).inode)
        }
        #expect(Set(inodes).count == count)
        #expect(fs.knownInodeCount == count + 2)
        #expect(fs.cachedDescriptorCount <= PassthroughFS.Options().maxCachedDescriptors)

        // Inodes whose descriptors were evicted long ago are reopened from their handles.
        for index in [0, 1, 12_345, count - 1] {
            #expect(try tree.readThroughFS(inodes[index]) == Array("file \(index)".utf8))
            #expect(try fs.getattr(.root, inode: inodes[index], handle: nil).attributes.size == UInt64("file \(index)".utf8.count))
        }
        let openDescriptors = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
        #expect(openDescriptors < 2_000, "\(openDescriptors) descriptors open")
    }

    @Test func aHandleStaleAfterHostDeletionGivesAnError() throws {
        let tree = try HostTree(options: .init(maxCachedDescriptors: 1))
        let fs = tree.fs
        tree.writeHostFile("doomed", "x")
        tree.writeHostFile("other", "y")
        let doomed = try tree.lookup("doomed").inode
        _ = try tree.lookup("other")  // evicts doomed's descriptor
        try FileManager.default.removeItem(atPath: tree.host("doomed"))
        #expect(throws: Errno.staleNFSFileHandle) { try fs.getattr(.root, inode: doomed, handle: nil) }
        #expect(throws: Errno.staleNFSFileHandle) { try fs.open(.root, inode: doomed, flags: []) }
        #expect(throws: Errno.noSuchFileOrDirectory) { try tree.lookup("doomed") }
        fs.forget(doomed, count: 1)
    }

    @Test func concurrentLookupsAndReadsAgree() async throws {
        let tree = try HostTree(options: .init(maxCachedDescriptors: 8))
        for index in 0..<64 { tree.writeHostFile("f\(index)", "content \(index)") }
        let fs = tree.fs
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    for round in 0..<50 {
                        let index = (worker * 17 + round) % 64
                        let entry = try fs.lookup(worker == 0 ? .root : user1000, parent: .root, name: name("f\(index)"))
                        let handle = try fs.open(.root, inode: entry.inode, flags: []).handle
                        let data = try fs.read(.root, inode: entry.inode, handle: handle, offset: 0, size: 100)
                        try fs.release(.root, inode: entry.inode, handle: handle, flags: [])
                        #expect(data == Array("content \(index)".utf8))
                        fs.forget(entry.inode, count: 1)
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(fs.knownInodeCount == 1)
        #expect(fs.cachedDescriptorCount <= 8)
    }
}
