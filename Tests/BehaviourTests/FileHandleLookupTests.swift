import BentoKit
import BentoServices
import MemFS
import Testing
import XV6FS

/// The lookups the kernel makes to open a file handle of an inode it forgot (`Capabilities.exportHandles`),
/// called in-process on memfs and xv6fs: `.` in any inode that still has a name is that inode, with the
/// generation it was made with; `..` in a directory is its parent; `.` in an inode whose last name is gone is
/// ENOENT (the kernel answers ESTALE). The mounted half is Tests/IntegrationTests/FileHandleTests.swift.
@Suite struct FileHandleLookupTests {
    enum Kind: String, CaseIterable, Sendable { case memfs, xv6fs }

    static func make(_ kind: Kind) throws -> any FileSystem {
        switch kind {
        case .memfs: return MemFS(options: .init(capacity: 1 << 26))
        case .xv6fs:
            let disk = SimulatedDisk(blockCount: 4_096)
            try XV6FS.mkfs(device: disk)
            return try XV6FS(device: disk)
        }
    }

    @Test(arguments: Kind.allCases)
    func dotNamesTheInodeItselfWhileItHasAName(_ kind: Kind) throws {
        let fs = try Self.make(kind)
        var connection = Connection(protocolVersion: (7, 45), offered: .init(rawValue: .max), wanted: [],
                                    maximumWrite: 1 << 20, maximumReadahead: 1 << 20, isReadOnly: false)
        try fs.initialize(&connection)
        #expect(connection.wanted.contains(.exportHandles))

        let directory = try fs.mkdir(.root, parent: .root, name: FileName("d"), mode: FileMode(type: .directory, permissions: 0o755))
        let created = try fs.create(.root, parent: directory.inode, name: FileName("f"),
                                    mode: FileMode(type: .regular, permissions: 0o644), flags: .readWrite)
        try fs.release(.root, inode: created.entry.inode, handle: created.open.handle, flags: .readWrite)

        let file = try fs.lookup(.root, parent: created.entry.inode, name: .dot)
        #expect(file.inode == created.entry.inode && file.generation == created.entry.generation)
        #expect(file.attributes.mode.type == .regular)
        #expect(try fs.lookup(.root, parent: directory.inode, name: .dot).inode == directory.inode)
        #expect(try fs.lookup(.root, parent: directory.inode, name: .dotDot).inode == .root)

        try fs.unlink(.root, parent: directory.inode, name: FileName("f"))
        #expect(throws: Errno.noSuchFileOrDirectory) { try fs.lookup(.root, parent: created.entry.inode, name: .dot) }
        fs.forget(created.entry.inode, count: 3)  // create and the two lookups
    }
}
