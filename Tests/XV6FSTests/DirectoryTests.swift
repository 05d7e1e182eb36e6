import BentoKit
import BentoServices
import Testing
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
@testable import XV6FS

@Suite struct DirectoryTests {
    @Test func listingResumesFromCookiesAcrossRemovals() throws {
        let f = try Fixture()
        for index in 0..<200 { _ = try f.create("file\(index)") }
        let first = try f.listing(capacity: 50)
        #expect(first.count == 50)
        for index in 0..<100 where index % 2 == 0 { try f.fs.unlink(f.root, parent: .root, name: f.name("file\(index)")) }
        let rest = try f.listing(from: first.last!.cookie)
        let seen = first.map(\.name) + rest.map(\.name)
        #expect(Set(seen).count == seen.count)
        for index in 100..<200 { #expect(seen.contains("file\(index)")) }
        try f.expectClean()
    }

    @Test func readdirplusCountsLookups() throws {
        let f = try Fixture()
        let a = try f.create("a")
        let handle = try f.fs.opendir(f.root, inode: .root, flags: []).handle
        var listing = DirectoryListing(capacity: 100, isPlus: true) { _, _ in 1 }
        try f.fs.readdirplus(f.root, inode: .root, handle: handle, offset: 0, into: &listing)
        #expect(listing.entries.compactMap(\.lookup).map(\.inode) == [a.inode])
        try f.fs.release(f.root, inode: a.inode, handle: a.handle, flags: [])
        try f.fs.unlink(f.root, parent: .root, name: f.name("a"))
        f.fs.forget(a.inode, count: 1)
        #expect(try f.attributes(a.inode).linkCount == 0)
        f.fs.forget(a.inode, count: 1)
        #expect(throws: Errno.noSuchFileOrDirectory) { try f.attributes(a.inode) }
    }

    @Test func hundredThousandEntryDirectoryLookupsUseTheIndexNotAScan() throws {
        // Structural, not timed: once the first lookup has built the hash index, a lookup touches at most a
        // couple of cached blocks (the inode's) — never the directory's ~600 blocks a scan would touch.
        let f = try Fixture(blocks: 65536, mkfs: MkfsOptions(inodeCount: 120_000))
        let dir = try f.mkdir("big")
        let count = 100_000
        for index in 0..<count {
            _ = try f.fs.mknod(f.root, parent: dir, name: f.name("entry-\(index)"), mode: FileMode(type: .regular, permissions: 0o644), device: 0)
        }
        let remounted = try f.remount()
        _ = try remounted.lookup("entry-0", in: dir)
        func blockAccesses() -> Int { remounted.fs.cache.statistics.hits + remounted.fs.cache.statistics.misses }
        let accessesBefore = blockAccesses()
        let probes = Array(stride(from: 1, to: count, by: 97))
        for index in probes { _ = try remounted.lookup("entry-\(index)", in: dir) }
        let accessesPerLookup = Double(blockAccesses() - accessesBefore) / Double(probes.count)
        #expect(accessesPerLookup <= 4, "\(accessesPerLookup) block accesses per lookup")
        #expect(throws: Errno.noSuchFileOrDirectory) { _ = try remounted.lookup("missing", in: dir) }
        try remounted.expectClean()
    }
}
