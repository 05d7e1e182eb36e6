import BentoKit
import Foundation
import PassthroughFS
import Testing

/// PassthroughFS's side of FUSE passthrough: it asks for it where the kernel offers it, and every open file's reply
/// carries the host descriptor that the kernel may read and write directly.
@Suite struct PassthroughTests {
    /// A connection from a kernel offering `offered`.
    private func connection(offering offered: Capabilities) -> Connection {
        Connection(protocolVersion: (7, 38), offered: offered, wanted: [.asyncRead], maximumWrite: 1 << 20,
                   maximumReadahead: 1 << 17, isReadOnly: false)
    }

    /// The host path a descriptor of this process names.
    private func path(of descriptor: Int32?) throws -> String {
        let descriptor = try #require(descriptor)
        return try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(descriptor)")
    }

    @Test func initializeAsksForPassthroughOnlyWhereTheKernelOffersIt() throws {
        let tree = try HostTree()
        var offered = connection(offering: [.asyncRead, .passthrough])
        try tree.fs.initialize(&offered)
        #expect(offered.enabled.contains(.passthrough))
        #expect(offered.backingFilesAreStacked == false)  // /tmp is ext4 here, not overlayfs or FUSE
        var older = connection(offering: [.asyncRead])
        try tree.fs.initialize(&older)
        #expect(older.wanted.contains(.passthrough) == false)
    }

    @Test func openAndCreateHandTheHostFileAsTheBackingDescriptor() throws {
        let tree = try HostTree()
        tree.writeHostFile("file", "data")
        let inode = try tree.lookup("file").inode
        let opened = try tree.fs.open(.root, inode: inode, flags: [])
        #expect(try path(of: opened.backingDescriptor) == tree.host("file"))
        let created = try tree.fs.create(.root, parent: .root, name: try name("new"),
                                         mode: BentoKit.FileMode(type: .regular, permissions: 0o644), flags: .writeOnly)
        #expect(try path(of: created.open.backingDescriptor) == tree.host("new"))
        try tree.fs.release(.root, inode: inode, handle: opened.handle, flags: [])
        try tree.fs.release(.root, inode: created.entry.inode, handle: created.open.handle, flags: [])
    }
}
