import BentoKit
import Foundation
import PassthroughFS
import Testing

// Numbers a request carries are hostile: every call below gets one past what the host's `off_t` holds, or on
// some other boundary, straight through the FileSystem API (no wire decoder in front). A trap ends the test
// process, which is how these tests fail for the bug that took a mount down; where ext4 answers with a definite
// errno, the same errno is expected.

/// Offsets past `Int64.max`: negative to the host kernel, and a trap for a plain `off_t(_:)`.
private let pastOffT: [UInt64] = [1 << 63, 1 << 63 + 4096, .max]

@Suite struct HostileNumberTests {
    /// A passthrough tree with `file` (10 bytes) open read-write.
    private struct OpenFile {
        let tree: HostTree
        let inode: Inode
        let handle: BentoKit.FileHandle

        init() throws {
            tree = try HostTree()
            tree.writeHostFile("file", "0123456789")
            inode = try tree.lookup("file").inode
            handle = try tree.fs.open(.root, inode: inode, flags: .readWrite).handle
        }
    }

    @Test func readsAtFarOffsetsAndOfHugeSizesAnswerWithoutTrapping() throws {
        let file = try OpenFile()
        let fs = file.tree.fs
        for offset in pastOffT + [UInt64(Int64.max)] {
            #expect(throws: Errno.invalidArgument) { try fs.read(.root, inode: file.inode, handle: file.handle, offset: offset, size: 1) }
        }
        #expect(try fs.read(.root, inode: file.inode, handle: file.handle, offset: 1 << 62, size: 4096).isEmpty)
        #expect(try fs.read(.root, inode: file.inode, handle: file.handle, offset: UInt64(Int64.max), size: 0).isEmpty)
        // A 4 GiB read of a 10-byte file allocates for the bytes there are.
        #expect(try fs.read(.root, inode: file.inode, handle: file.handle, offset: 4, size: .max) == Array("456789".utf8))
    }

    @Test func writesPastTheLargestFileAreFileTooLarge() throws {
        let file = try OpenFile()
        let fs = file.tree.fs
        for offset in pastOffT + [UInt64(Int64.max) - 2] {
            #expect(throws: Errno.fileTooLarge) {
                try fs.write(.root, inode: file.inode, handle: file.handle, offset: offset, data: [1, 2, 3, 4, 5], flags: .readWrite)
            }
        }
        #expect(file.tree.hostContents("file") == "0123456789")
    }

    @Test func seekAllocateCopyAndTruncateRefuseOffsetsPastOffT() throws {
        let file = try OpenFile()
        let fs = file.tree.fs
        for offset in pastOffT {
            for whence in [SeekWhence.data, .hole] {
                #expect(throws: Errno.noSuchAddressOrDevice) {
                    try fs.lseek(.root, inode: file.inode, handle: file.handle, offset: offset, whence: whence)
                }
            }
            #expect(throws: Errno.invalidArgument) {
                try fs.fallocate(.root, inode: file.inode, handle: file.handle, offset: offset, length: 1, mode: [])
            }
            #expect(throws: Errno.invalidArgument) {
                try fs.fallocate(.root, inode: file.inode, handle: file.handle, offset: 0, length: offset, mode: .keepSize)
            }
            for (from, to) in [(offset, 0), (0, offset)] as [(UInt64, UInt64)] {
                #expect(throws: Errno.invalidArgument) {
                    try fs.copyFileRange(.root, from: file.inode, handle: file.handle, offset: from,
                                         to: file.inode, handle: file.handle, offset: to, length: 1, flags: 0)
                }
            }
            #expect(throws: Errno.invalidArgument) {
                try fs.setattr(.root, inode: file.inode, changes: AttributeChanges(size: offset, handle: file.handle))
            }
        }
        // Lengths the host cuts or refuses itself: an answer, whichever it is.
        _ = try? fs.copyFileRange(.root, from: file.inode, handle: file.handle, offset: 0, to: file.inode, handle: file.handle,
                                  offset: 1 << 40, length: .max, flags: 0)
        _ = try? fs.fallocate(.root, inode: file.inode, handle: file.handle, offset: UInt64(Int64.max), length: UInt64(Int64.max),
                              mode: [])
        #expect(throws: Errno.invalidArgument) {
            try fs.copyFileRange(.root, from: file.inode, handle: file.handle, offset: 0, to: file.inode, handle: file.handle,
                                 offset: 0, length: 1, flags: 1 << 40)
        }
    }

    @Test func flagsMasksAndTimesOfAnyValueAreTheHostsToJudge() throws {
        let file = try OpenFile()
        let fs = file.tree.fs
        #expect(throws: Errno.invalidArgument) { try fs.access(.root, inode: file.inode, mask: AccessMask(rawValue: .max)) }
        #expect(throws: Errno.invalidArgument) {
            try fs.setxattr(.root, inode: file.inode, name: XattrName("user.k"), value: [1], flags: XattrFlags(rawValue: .max))
        }
        for seconds in [Int64.min, -1, 0, Int64.max] {
            let time = TimeChange.time(Timestamp(seconds: seconds, nanoseconds: .max))
            _ = try? fs.setattr(.root, inode: file.inode, changes: AttributeChanges(accessTime: time, modificationTime: time))
        }
        _ = try? fs.mknod(.root, parent: .root, name: name("node"), mode: BentoKit.FileMode(rawValue: .max), device: .max)
        _ = try? fs.mkdir(.root, parent: .root, name: name("dir"), mode: BentoKit.FileMode(rawValue: .max))
        _ = try? fs.rename(.root, parent: .root, name: name("file"), newParent: .root, newName: name("moved"),
                           flags: RenameFlags(rawValue: .max))
        #expect(file.tree.hostContents("file") == "0123456789")
    }

    @Test func handlesAndNodesNeverHandedOutAndForgetsOfAnyCount() throws {
        let file = try OpenFile()
        let fs = file.tree.fs
        var listing = DirectoryListing(capacity: 1, isPlus: false, cost: { _, _ in 1 })
        for value: UInt64 in [0, 2, 1 << 32, 1 << 63, .max] {
            #expect(throws: Errno.badFileDescriptor) {
                try fs.read(.root, inode: file.inode, handle: BentoKit.FileHandle(value), offset: 0, size: 1)
            }
            #expect(throws: Errno.badFileDescriptor) {
                try fs.readdir(.root, inode: .root, handle: BentoKit.FileHandle(value), offset: 0, into: &listing)
            }
            #expect(throws: Errno.staleNFSFileHandle) { try fs.getattr(.root, inode: Inode(value &+ 1000), handle: nil) }
            fs.forget(Inode(value), count: .max)
        }
        let entry = try file.tree.lookup("file")
        fs.forget(entry.inode, count: .max)
        #expect(fs.lookupCount(of: entry.inode) == 0)
        #expect(try fs.read(.root, inode: file.inode, handle: file.handle, offset: 0, size: 3) == Array("012".utf8))
    }

    @Test func aListingAtACookieTheHostRefusesIsEmptyAndLeavesThePositionAlone() throws {
        let tree = try HostTree()
        let names = (0..<20).map { "entry-\($0)" }
        for entry in names { tree.writeHostFile(entry, "") }
        let fs = tree.fs
        let handle = try fs.opendir(.root, inode: .root, flags: []).handle
        defer { try? fs.releasedir(.root, inode: .root, handle: handle) }

        var first = DirectoryListing(capacity: 4, isPlus: false, cost: { _, _ in 1 })
        try fs.readdir(.root, inode: .root, handle: handle, offset: 0, into: &first)
        let resume = try #require(first.entries.last?.entry.cookie)
        for cookie in pastOffT {
            for plus in [false, true] {
                var far = DirectoryListing(capacity: 4, isPlus: plus, cost: { _, _ in 1 })
                if plus {
                    try fs.readdirplus(.root, inode: .root, handle: handle, offset: cookie, into: &far)
                } else {
                    try fs.readdir(.root, inode: .root, handle: handle, offset: cookie, into: &far)
                }
                #expect(far.entries.isEmpty, "cookie \(cookie)")
            }
        }
        // Cookies the host may take (a far lseek on an ext4 directory): any listing, no trap.
        for cookie: UInt64 in [1 << 32 + 1, 1 << 40, UInt64(Int64.max)] {
            var far = DirectoryListing(capacity: 4, isPlus: false, cost: { _, _ in 1 })
            _ = try? fs.readdir(.root, inode: .root, handle: handle, offset: cookie, into: &far)
        }

        var listed = first.entries.map(\.entry.name.description)
        var offset = resume
        while true {
            var next = DirectoryListing(capacity: 4, isPlus: false, cost: { _, _ in 1 })
            try fs.readdir(.root, inode: .root, handle: handle, offset: offset, into: &next)
            guard let last = next.entries.last?.entry.cookie else { break }
            listed += next.entries.map(\.entry.name.description)
            offset = last
        }
        #expect(listed.filter { $0 != "." && $0 != ".." }.sorted() == names.sorted())
    }
}
