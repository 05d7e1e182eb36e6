import BentoKit
import BentoServices
import Testing
@testable import XV6FS

@Suite struct PersistenceTests {
    /// Builds a small tree: directories, files of several sizes, a symlink, a hard link and an xattr.
    static func buildTree(_ f: Fixture) throws {
        let docs = try f.mkdir("docs")
        let deep = try f.mkdir("deep", in: docs)
        for (index, size) in [0, 1, 4096, 4097, 70_000, 5_000_000].enumerated() {
            let file = try f.create("f\(index)", in: index % 2 == 0 ? docs : deep)
            try f.write(Fixture.pattern(size, seed: UInt8(index)), to: file, at: 0)
            try f.fs.release(f.root, inode: file.inode, handle: file.handle, flags: [])
        }
        _ = try f.fs.symlink(f.root, parent: .root, name: f.name("link"), target: Array("docs/f0".utf8))
        _ = try f.fs.link(f.root, inode: try f.lookup("f0", in: docs).inode, newParent: .root, newName: f.name("hard"))
        try f.fs.setxattr(f.root, inode: docs, name: XattrName("user.tag"), value: [4, 2], flags: [])
    }

    /// Everything under `directory`: path → (mode, size, links, contents or target, xattrs).
    static func snapshot(_ f: Fixture, _ directory: Inode = .root, prefix: String = "") throws -> [String: String] {
        var result: [String: String] = [:]
        for name in try f.names(in: directory) where name != "." && name != ".." {
            let entry = try f.lookup(name, in: directory)
            let a = entry.attributes
            var summary = "\(a.mode) \(a.size) \(a.linkCount) \(a.uid) \(a.modificationTime)"
            if a.mode.isRegular {
                let file = try f.open(entry.inode, flags: [])
                summary += " \(try f.read(file, at: 0, count: UInt32(a.size)).hashValue)"
                try f.fs.release(f.root, inode: file.inode, handle: file.handle, flags: [])
            } else if a.mode.isSymbolicLink {
                summary += " -> \(String(decoding: try f.fs.readlink(f.root, inode: entry.inode), as: UTF8.self))"
            }
            summary += " \(try f.fs.listxattr(f.root, inode: entry.inode))"
            result[prefix + name] = summary
            if a.mode.isDirectory { result.merge(try snapshot(f, entry.inode, prefix: prefix + name + "/")) { $1 } }
        }
        return result
    }

    @Test(arguments: DataMode.allCases)
    func treeSurvivesUnmountAndMount(mode: DataMode) throws {
        let f = try Fixture(mode: mode)
        try Self.buildTree(f)
        let before = try Self.snapshot(f)
        let again = try f.remount()
        #expect(try Self.snapshot(again) == before)
        #expect(XV6FS.fsck(device: again.disk).isConsistent)
        again.fs.destroy()
        let report = XV6FS.fsck(device: again.disk)
        #expect(report.isConsistent, "\(report)")
        #expect(report.notes.isEmpty, "a clean unmount leaves nothing to replay: \(report)")
    }

    @Test(arguments: DataMode.allCases)
    func fsyncedTreeSurvivesWithoutUnmountThroughReplay(mode: DataMode) throws {
        let f = try Fixture(mode: mode)
        try Self.buildTree(f)
        let before = try Self.snapshot(f)
        let file = try f.create("last")
        try f.write([42], to: file, at: 0)
        try f.fs.fsync(f.root, inode: file.inode, handle: file.handle, dataOnly: false)
        let pending = XV6FS.fsck(device: f.disk)
        #expect(pending.isConsistent, "\(pending)")
        #expect(pending.notes.contains { $0.contains("replay") })
        let crashed = try Fixture(disk: f.disk)
        var expected = before
        expected["last"] = try Self.snapshot(crashed)["last"]
        #expect(try Self.snapshot(crashed) == expected)
        #expect(try crashed.read(try crashed.open(try crashed.lookup("last").inode), at: 0, count: 1) == [42])
        try crashed.expectClean()
    }
}
