import BentoKit
import BentoServices
import Testing
@testable import XV6FS

/// A journal that cannot write turns the file system read-only, as ext4 does with errors=remount-ro: the change
/// whose commit failed gets EIO, every later change EROFS, reads go on, `failure` says why; mounted again, the
/// image replays to its last commit and is consistent.
@Suite struct ReadOnlyAfterErrorTests {
    static func name(_ text: String) -> FileName { (try? FileName(text)) ?? .dot }

    @Test(arguments: [DataMode.ordered, .journal])
    func aFailedCommitLeavesTheFileSystemReadOnly(_ mode: DataMode) throws {
        let f = try Fixture(mode: mode)
        let kept = try f.fs.create(.root, parent: .root, name: Self.name("kept"), mode: FileMode(type: .regular, permissions: 0o644),
                                   flags: .readWrite)
        _ = try f.fs.write(.root, inode: kept.entry.inode, handle: kept.open.handle, offset: 0, data: Array("kept\n".utf8), flags: [])
        try f.fs.fsync(.root, inode: kept.entry.inode, handle: kept.open.handle, dataOnly: false)
        #expect(f.fs.failure == nil)

        _ = try f.fs.mkdir(.root, parent: .root, name: Self.name("lost"), mode: FileMode(type: .directory, permissions: 0o755))
        f.disk.failWrite(1)  // the commit's first log block
        #expect(throws: Errno.ioError) { try f.fs.journal.commit() }
        f.disk.clearFaults()

        #expect(f.fs.failure?.contains("read-only until mounted again") == true, "\(f.fs.failure ?? "nil")")
        #expect(throws: Errno.readOnlyFileSystem) {
            _ = try f.fs.mkdir(.root, parent: .root, name: Self.name("later"), mode: FileMode(type: .directory, permissions: 0o755))
        }
        #expect(throws: Errno.readOnlyFileSystem) {
            _ = try f.fs.write(.root, inode: kept.entry.inode, handle: kept.open.handle, offset: 5, data: [1], flags: [])
        }
        let read = try f.fs.read(.root, inode: kept.entry.inode, handle: kept.open.handle, offset: 0, size: 100)
        #expect(read == Array("kept\n".utf8))

        let again = try XV6FS(device: f.disk, options: XV6FS.Options(commitInterval: nil))
        #expect(again.failure == nil)
        let found = try again.lookup(.root, parent: .root, name: Self.name("kept"))
        #expect(found.attributes.size == 5)
        #expect(throws: Errno.noSuchFileOrDirectory) { _ = try again.lookup(.root, parent: .root, name: Self.name("lost")) }
        again.destroy()
        #expect(XV6FS.fsck(device: f.disk).isConsistent)
    }
}
