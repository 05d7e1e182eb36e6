import BentoKit
import MemFS
import Testing

@Suite struct UpgradeTests {
    /// A MemFS resumed from `fixture.fs`'s upgrade state, on the fixture's clock.
    private func resumed(_ fixture: Fixture) throws -> MemFS {
        try MemFS(resuming: try fixture.fs.prepareUpgrade(), clock: fixture.clock)
    }

    @Test func resumedTreeKeepsDataNamesXattrsHandlesAndSparseHoles() throws {
        let fixture = Fixture()
        let directory = try fixture.mkdir("d")
        let file = try fixture.create("f", in: directory)
        try fixture.write(Array(repeating: 7, count: 5000), to: file, at: 0)
        try fixture.write([1, 2, 3], to: file, at: 1 << 20)
        try fixture.fs.setxattr(fixture.root, inode: file.inode, name: XattrName("user.note"), value: [9], flags: [])
        let before = try fixture.attributes(file.inode)
        let next = try resumed(fixture)
        let after = Fixture(serving: next)
        let names = try fixture.names(in: directory)
        #expect(try after.names(in: directory) == names)
        #expect(try after.attributes(file.inode) == before)
        #expect(try after.read(file, at: 0, count: 5000) == Array(repeating: 7, count: 5000))
        #expect(try after.read(file, at: 1 << 19, count: 4) == [0, 0, 0, 0])
        #expect(try after.read(file, at: 1 << 20, count: 10) == [1, 2, 3])
        #expect(try next.getxattr(fixture.root, inode: file.inode, name: XattrName("user.note")) == [9])
        let created = try after.create("g", in: directory)
        #expect(created.inode.rawValue > file.inode.rawValue && created.handle != file.handle)
    }

    @Test func unlinkedOpenFileSurvivesAndIsFreedAfterItsLastClose() throws {
        let fixture = Fixture()
        let file = try fixture.create("gone")
        try fixture.write([5, 5], to: file, at: 0)
        try fixture.fs.unlink(fixture.root, parent: .root, name: fixture.name("gone"))
        let next = try resumed(fixture)
        #expect(try Fixture(serving: next).read(file, at: 0, count: 2) == [5, 5])
        try next.release(fixture.root, inode: file.inode, handle: file.handle, flags: [])
        next.forget(file.inode, count: 1)
        #expect(throws: Errno.noSuchFileOrDirectory) { try next.getattr(fixture.root, inode: file.inode, handle: nil) }
    }

    @Test func inodeFlagsGoOverAndVersionOneStateReadsAsHavingNone() throws {
        let fixture = Fixture()
        try fixture.fs.setInodeFlags(fixture.root, inode: .root, flags: [.noDump, .immutable])
        let state = try fixture.fs.prepareUpgrade()
        #expect(state.version == 2)
        #expect(try MemFS(resuming: state).inodeFlags(fixture.root, inode: .root) == [.noDump, .immutable])
        // Version 1 is version 2 without the flags word after each node's ctime: with the root alone, the 8 bytes
        // after two flags, three counters and the root's inode, mode, uid, gid, links, device and three times.
        let flagsAt = 2 + 3 * 8 + 6 * 8 + 3 * 16
        #expect(state.bytes[flagsAt] == UInt8(InodeFlags([.noDump, .immutable]).rawValue))
        var old = state
        old.version = 1
        old.bytes.removeSubrange(flagsAt..<flagsAt + 8)
        #expect(try MemFS(resuming: old).inodeFlags(fixture.root, inode: .root) == [])
    }

    @Test func unknownStateVersionsFormatsAndDamagedBytesAreRefusedWithAReason() throws {
        let state = try Fixture().fs.prepareUpgrade()
        var future = state
        future.version = 3
        #expect(throws: ModuleError("unknown memfs state version 3: this build reads versions 1...2")) {
            try MemFS(resuming: future)
        }
        #expect(throws: ModuleError("cannot resume from xv6fs state: this module reads memfs state only")) {
            try MemFS(resuming: UpgradeState(format: "xv6fs", version: 1, bytes: state.bytes))
        }
        for cut in [0, 1, state.bytes.count / 2, state.bytes.count - 1] {
            var damaged = state
            damaged.bytes = Array(state.bytes.prefix(cut))
            #expect(throws: ModuleError.self) { try MemFS(resuming: damaged) }
        }
    }

    @Test func version2ModuleShowsItsVersionAsAnXattrAndVersion1DoesNot() throws {
        let v1 = try MemFSModule(version: "1.0.0").make(source: "x", options: ModuleOptions(defaultPermissions: false))
        let v2 = try MemFSModule(version: "2.0.0", showsVersion: true).resume(
            from: try MemFSModule(version: "1.0.0").prepareUpgrade(of: v1), source: "x",
            options: ModuleOptions(defaultPermissions: false))
        #expect(throws: Errno.noData) { try v1.getxattr(.root, inode: .root, name: .bentoVersion) }
        #expect(try v2.getxattr(.root, inode: .root, name: .bentoVersion) == Array("2.0.0".utf8))
    }
}

extension Fixture {
    /// A fixture driving `fs`, a file system made elsewhere (resumed from another one's state).
    init(serving fs: MemFS) { self.fs = fs }
}
