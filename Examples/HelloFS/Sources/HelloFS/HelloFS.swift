import BentoKit

/// A read-only file system holding one file, `hello`: the smallest Bento file system that mounts.
public final class HelloFS: FileSystem {
    /// The file's node id (the root directory's is 1, `Inode.root`).
    static let file = Inode(2)
    /// The file's name.
    static let name = try! FileName("hello")  // a valid literal
    /// The file's bytes.
    public static let contents = Array("Hello from Bento!\n".utf8)

    /// A file system; it has no state.
    public init() {}

    /// Lists directories with READDIR (this file system answers no READDIRPLUS).
    public func initialize(_ connection: inout Connection) throws(Errno) {
        connection.wanted.subtract([.readdirPlus, .readdirPlusAuto])
    }

    public func lookup(_ request: Request, parent: Inode, name: FileName) throws(Errno) -> Entry {
        guard parent == .root, name == Self.name else { throw .noSuchFileOrDirectory }
        return Entry(attributes: try attributes(of: Self.file))
    }

    public func getattr(_ request: Request, inode: Inode, handle: FileHandle?) throws(Errno) -> AttributesReply {
        AttributesReply(try attributes(of: inode))
    }

    public func open(_ request: Request, inode: Inode, flags: OpenFlags) throws(Errno) -> OpenReply {
        guard inode == Self.file else { throw .isDirectory }
        guard !flags.isWritable, !flags.contains(.truncate) else { throw .readOnlyFileSystem }
        return OpenReply(handle: FileHandle(0))
    }

    public func read(_ request: Request, inode: Inode, handle: FileHandle, offset: UInt64, size: UInt32) throws(Errno) -> [UInt8] {
        let start = Int(min(offset, UInt64(Self.contents.count)))
        return Array(Self.contents[start..<min(start + Int(size), Self.contents.count)])
    }

    public func readdir(_ request: Request, inode: Inode, handle: FileHandle, offset: UInt64,
                        into listing: inout DirectoryListing) throws(Errno) {
        guard inode == .root else { throw .notDirectory }
        let entries = [(Inode.root, FileType.directory, FileName.dot), (.root, .directory, .dotDot),
                       (Self.file, .regular, Self.name)]
        for (index, (node, type, name)) in entries.enumerated().dropFirst(Int(min(offset, 3))) {
            let entry = DirectoryEntry(inode: node, cookie: UInt64(index + 1), type: type, name: name)
            guard listing.append(entry) else { return }
        }
    }

    /// The root directory (`r-xr-xr-x`) or the file (`r--r--r--`).
    private func attributes(of inode: Inode) throws(Errno) -> Attributes {
        switch inode {
        case .root: Attributes(inode: .root, mode: FileMode(type: .directory, permissions: 0o555), linkCount: 2)
        case Self.file: Attributes(inode: Self.file, size: UInt64(Self.contents.count), blocks: 1,
                                   mode: FileMode(type: .regular, permissions: 0o444))
        default: throw .noSuchFileOrDirectory
        }
    }
}

/// HelloFS as a mountable type: `hellofs` serves it, and a shared library exporting it could be given to
/// `bento mount --fs` (see `FileSystemModule`).
public final class HelloFSModule: FileSystemModule {
    public let name = "hellofs"
    public let version = "1.0.0"
    public let summary = "one read-only file (SOURCE: any word)"

    public init() {}

    public func make(source: String, options: ModuleOptions) throws(ModuleError) -> any FileSystem { HelloFS() }
}
