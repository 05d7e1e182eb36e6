import BentoKit
import Testing
@testable import MemFS

@Suite struct DirectoryTests {
    let t = Fixture()

    /// A listing that holds `capacity` entries.
    func listing(_ capacity: Int, plus: Bool = false) -> DirectoryListing {
        DirectoryListing(capacity: capacity, isPlus: plus) { _, _ in 1 }
    }

    @Test func listingStartsWithDotEntriesAndKeepsInsertionOrder() throws {
        let directory = try t.mkdir("d")
        for name in ["z", "a", "m"] { _ = try t.create(name, in: directory) }
        #expect(try t.names(in: directory) == [".", "..", "z", "a", "m"])
        let handle = try t.fs.opendir(t.root, inode: directory, flags: []).handle
        var list = listing(10)
        try t.fs.readdir(t.root, inode: directory, handle: handle, offset: 0, into: &list)
        #expect(list.entries.map(\.entry.cookie) == [1, 2, 3, 4, 5])
        #expect(list.entries[1].entry.inode == .root)
    }

    @Test func listingSurvivesDeletionsBetweenCalls() throws {
        let directory = try t.mkdir("d")
        let names = (0..<500).map { "file\($0)" }
        for name in names { _ = try t.create(name, in: directory) }
        let handle = try t.fs.opendir(t.root, inode: directory, flags: []).handle
        var seen: [String] = []
        var offset: UInt64 = 0
        while true {
            var list = listing(7)
            try t.fs.readdir(t.root, inode: directory, handle: handle, offset: offset, into: &list)
            guard let last = list.entries.last else { break }
            offset = last.entry.cookie
            for (entry, _) in list.entries where !entry.name.isDotOrDotDot {
                seen.append(entry.name.description)
                try t.fs.unlink(t.root, parent: directory, name: entry.name)
            }
        }
        #expect(seen == names)
        try t.fs.rmdir(t.root, parent: .root, name: t.name("d"))
    }

    @Test func entriesRemovedAheadOfTheListingAreSkippedAndOthersKept() throws {
        let directory = try t.mkdir("d")
        for name in ["a", "b", "c", "d"] { _ = try t.create(name, in: directory) }
        let handle = try t.fs.opendir(t.root, inode: directory, flags: []).handle
        var first = listing(3)
        try t.fs.readdir(t.root, inode: directory, handle: handle, offset: 0, into: &first)
        try t.fs.unlink(t.root, parent: directory, name: t.name("b"))
        _ = try t.create("e", in: directory)
        var rest = listing(10)
        try t.fs.readdir(t.root, inode: directory, handle: handle, offset: first.entries.last?.entry.cookie ?? 0, into: &rest)
        #expect(rest.entries.map(\.entry.name.description) == ["c", "d", "e"])
    }

    @Test func readdirplusCountsALookupForEachNameItKeeps() throws {
        let directory = try t.mkdir("d")
        let file = try t.create("f", in: directory)
        try t.fs.release(t.root, inode: file.inode, handle: file.handle, flags: [])
        _ = try t.create("g", in: directory)
        let handle = try t.fs.opendir(t.root, inode: directory, flags: []).handle
        var list = listing(3, plus: true)
        try t.fs.readdirplus(t.root, inode: directory, handle: handle, offset: 0, into: &list)
        #expect(list.entries.map(\.entry.name.description) == [".", "..", "f"])
        #expect(list.entries[0].lookup == nil)
        #expect(list.entries[2].lookup?.inode == file.inode)

        // create counted one lookup, readdirplus another: the unlinked file lives until both are forgotten.
        try t.fs.unlink(t.root, parent: directory, name: t.name("f"))
        t.fs.forget(file.inode, count: 1)
        #expect(try t.attributes(file.inode).linkCount == 0)
        t.fs.forget(file.inode, count: 1)
        #expect(throws: Errno.noSuchFileOrDirectory) { try t.attributes(file.inode) }
    }

    @Test func removedDirectoryListsNothingAndRefusesNewNames() throws {
        let directory = try t.mkdir("d")
        let handle = try t.fs.opendir(t.root, inode: directory, flags: []).handle
        try t.fs.rmdir(t.root, parent: .root, name: t.name("d"))
        var list = listing(10)
        try t.fs.readdir(t.root, inode: directory, handle: handle, offset: 0, into: &list)
        #expect(list.entries.isEmpty)
        #expect(throws: Errno.noSuchFileOrDirectory) { try t.create("x", in: directory) }
    }

    @Test func lookupFindsDotAndDotDot() throws {
        let directory = try t.mkdir("d")
        #expect(try t.lookup(".", in: directory).inode == directory)
        #expect(try t.lookup("..", in: directory).inode == .root)
        #expect(try t.lookup("..").inode == .root)
    }
}
