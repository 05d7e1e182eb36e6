import BentoKit
import Foundation
import PassthroughFS
import Testing

@Suite struct DirectoryTests {
    /// A listing that holds `capacity` entries.
    private func listing(_ capacity: Int, plus: Bool = false) -> DirectoryListing {
        DirectoryListing(capacity: capacity, isPlus: plus, cost: { _, _ in 1 })
    }

    /// Reads a whole directory in calls of `capacity` entries, resuming from each call's last cookie.
    private func listAll(_ fs: PassthroughFS, _ inode: Inode, capacity: Int, plus: Bool = false) throws -> [(DirectoryEntry, Entry?)] {
        let handle = try fs.opendir(.root, inode: inode, flags: []).handle
        defer { try? fs.releasedir(.root, inode: inode, handle: handle) }
        var all: [(DirectoryEntry, Entry?)] = []
        var offset: UInt64 = 0
        while true {
            var page = listing(capacity, plus: plus)
            if plus {
                try fs.readdirplus(.root, inode: inode, handle: handle, offset: offset, into: &page)
            } else {
                try fs.readdir(.root, inode: inode, handle: handle, offset: offset, into: &page)
            }
            guard let last = page.entries.last else { return all }
            #expect(page.entries.count <= capacity)
            all += page.entries.map { ($0.entry, $0.lookup) }
            offset = last.entry.cookie
        }
    }

    @Test func readdirResumesFromEachOffsetWithASmallListing() throws {
        let tree = try HostTree()
        let names = (0..<25).map { "entry-\($0)" }
        for name in names { tree.writeHostFile(name, "") }
        try FileManager.default.createDirectory(atPath: tree.host("subdirectory"), withIntermediateDirectories: false)
        let listed = try listAll(tree.fs, .root, capacity: 3)
        let listedNames = listed.map { $0.0.name.description }
        #expect(listedNames.count == names.count + 3)
        #expect(Set(listedNames) == Set(names + ["subdirectory", ".", ".."]))
        #expect(listed.first { $0.0.name.description == "subdirectory" }?.0.type == .directory)
        #expect(listed.first { $0.0.name.description == "entry-0" }?.0.type == .regular)
        #expect(listed.allSatisfy { $0.0.cookie != 0 })
    }

    @Test func readdirRestartsAtAnEarlierOffset() throws {
        let tree = try HostTree()
        for index in 0..<10 { tree.writeHostFile("f\(index)", "") }
        let fs = tree.fs
        let handle = try fs.opendir(.root, inode: .root, flags: []).handle
        var first = listing(4)
        try fs.readdir(.root, inode: .root, handle: handle, offset: 0, into: &first)
        var second = listing(4)
        try fs.readdir(.root, inode: .root, handle: handle, offset: first.entries[1].entry.cookie, into: &second)
        #expect(second.entries.map(\.entry.name) == Array(first.entries[2...].map(\.entry.name)) + second.entries[2...].map(\.entry.name))
        var fromStart = listing(4)
        try fs.readdir(.root, inode: .root, handle: handle, offset: 0, into: &fromStart)
        #expect(fromStart.entries.map(\.entry.name) == first.entries.map(\.entry.name))
        try fs.releasedir(.root, inode: .root, handle: handle)
    }

    @Test func readdirplusLooksUpEachEntryKeptButNotDotEntries() throws {
        let tree = try HostTree()
        for index in 0..<7 { tree.writeHostFile("f\(index)", String(repeating: "x", count: index)) }
        let fs = tree.fs
        let listed = try listAll(fs, .root, capacity: 2, plus: true)
        #expect(listed.count == 9)
        for (entry, lookup) in listed {
            if entry.name.isDotOrDotDot {
                #expect(lookup == nil)
            } else {
                let lookup = try #require(lookup)
                #expect(lookup.attributes.inode == entry.inode, "a listing shows the host's inode number, as stat does")
                #expect(lookup.attributes.size == UInt64(entry.name.description.dropFirst()))
                #expect(fs.lookupCount(of: lookup.inode) == 1)
            }
        }
        #expect(fs.knownInodeCount == 8)
        // A plain listing reports the same host inode numbers.
        let plain = try listAll(fs, .root, capacity: 100)
        let byName = Dictionary(uniqueKeysWithValues: listed.map { ($0.0.name, $0.0.inode) })
        #expect(plain.allSatisfy { $0.0.name == .dotDot || byName[$0.0.name] == $0.0.inode })
    }

    @Test func fsyncdirAndReleasedirWorkOnAnOpenDirectory() throws {
        let tree = try HostTree()
        let handle = try tree.fs.opendir(.root, inode: .root, flags: []).handle
        try tree.fs.fsyncdir(.root, inode: .root, handle: handle, dataOnly: false)
        try tree.fs.releasedir(.root, inode: .root, handle: handle)
        var page = listing(4)
        #expect(throws: Errno.badFileDescriptor) { try tree.fs.readdir(.root, inode: .root, handle: handle, offset: 0, into: &page) }
    }
}
