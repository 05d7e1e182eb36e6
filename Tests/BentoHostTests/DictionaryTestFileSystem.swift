import BentoKit
import Glibc
import Synchronization

/// A test double: one root directory holding a few regular files, kept in a Mutex-protected dictionary.
/// It records what the dispatcher passed it (the connection at INIT, destroys, forgets) and has one file,
/// `slow`, whose reads wait until the request is interrupted.
final class DictionaryTestFileSystem: FileSystem {
    struct File {
        var inode: Inode
        var data: [UInt8]
        var xattrs: [XattrName: [UInt8]] = [:]
    }

    struct State {
        var files: [FileName: File] = [:]
        var nextInode: UInt64 = 2
        var connection: Connection?
        var destroyCount = 0
        var forgotten: UInt64 = 0
    }

    let state = Mutex(State())
    /// Applied to the connection at INIT, as a real file system's `initialize` would.
    let adjust: @Sendable (inout Connection) -> Void
    /// Raised once a read of `slow` has started.
    let slowReadStarted = Atomic<Bool>(false)

    init(files: [String: [UInt8]] = ["hello.txt": Array("hello, world\n".utf8), "slow": []],
         adjust: @escaping @Sendable (inout Connection) -> Void = { _ in }) {
        self.adjust = adjust
        state.withLock { state in
            for (name, data) in files.sorted(by: { $0.key < $1.key }) {
                state.files[try! FileName(name)] = File(inode: Inode(state.nextInode), data: data)
                state.nextInode += 1
            }
        }
    }

    func initialize(_ connection: inout Connection) throws(Errno) {
        adjust(&connection)
        let settled = connection
        state.withLock { $0.connection = settled }
    }

    func destroy() { state.withLock { $0.destroyCount += 1 } }

    func forget(_ inode: Inode, count: UInt64) { state.withLock { $0.forgotten &+= count } }

    private static func attributes(_ file: File) -> Attributes {
        Attributes(inode: file.inode, size: UInt64(file.data.count), mode: FileMode(type: .regular, permissions: 0o644))
    }

    private static let rootAttributes = Attributes(inode: .root, mode: FileMode(type: .directory, permissions: 0o755), linkCount: 2)

    private func file(_ inode: Inode) throws(Errno) -> (FileName, File) {
        guard let found = state.withLock({ $0.files.first { $0.value.inode == inode } }) else {
            throw .noSuchFileOrDirectory
        }
        return (found.key, found.value)
    }

    func lookup(_ request: Request, parent: Inode, name: FileName) throws(Errno) -> Entry {
        guard parent == .root else { throw .notDirectory }
        guard let file = state.withLock({ $0.files[name] }) else { throw .noSuchFileOrDirectory }
        return Entry(attributes: Self.attributes(file))
    }

    func getattr(_ request: Request, inode: Inode, handle: FileHandle?) throws(Errno) -> AttributesReply {
        if inode == .root { return AttributesReply(Self.rootAttributes) }
        return AttributesReply(Self.attributes(try file(inode).1))
    }

    func read(_ request: Request, inode: Inode, handle: FileHandle, offset: UInt64, size: UInt32) throws(Errno) -> [UInt8] {
        let (name, file) = try file(inode)
        if name.description == "slow" {
            slowReadStarted.store(true, ordering: .releasing)
            var waited = 0
            while !request.isInterrupted, waited < 5000 {
                usleep(1000)
                waited += 1
            }
            throw .interrupted
        }
        guard offset < UInt64(file.data.count) else { return [] }
        return Array(file.data[Int(offset)...].prefix(Int(size)))
    }

    func write(_ request: Request, inode: Inode, handle: FileHandle, offset: UInt64, data: Span<UInt8>,
               flags: OpenFlags) throws(Errno) -> UInt32 {
        let (name, _) = try file(inode)
        guard offset <= 1 << 20 else { throw .fileTooLarge }
        state.withLock { state in
            var bytes = state.files[name]?.data ?? []
            let end = Int(offset) + data.count
            if bytes.count < end { bytes += [UInt8](repeating: 0, count: end - bytes.count) }
            bytes.overwrite(at: Int(offset), with: data)
            state.files[name]?.data = bytes
        }
        return UInt32(data.count)
    }

    func create(_ request: Request, parent: Inode, name: FileName, mode: FileMode, flags: OpenFlags) throws(Errno) -> CreateReply {
        guard parent == .root else { throw .notDirectory }
        let file = try state.withLock { state throws(Errno) -> File in
            guard state.files[name] == nil else { throw .fileExists }
            let file = File(inode: Inode(state.nextInode), data: [])
            state.nextInode += 1
            state.files[name] = file
            return file
        }
        return CreateReply(entry: Entry(attributes: Self.attributes(file)), open: OpenReply(handle: FileHandle(file.inode.rawValue)))
    }

    func unlink(_ request: Request, parent: Inode, name: FileName) throws(Errno) {
        guard state.withLock({ $0.files.removeValue(forKey: name) }) != nil else { throw .noSuchFileOrDirectory }
    }

    /// Lists `.`, `..` and the files by name; cookie n resumes after the n-th entry.
    private func fill(_ listing: inout DirectoryListing, from offset: UInt64, withLookups: Bool) {
        let files = state.withLock { $0.files }.sorted { $0.key < $1.key }
        var entries = [(DirectoryEntry(inode: .root, cookie: 1, type: .directory, name: .dot), nil as Entry?),
                       (DirectoryEntry(inode: .root, cookie: 2, type: .directory, name: .dotDot), nil)]
        for (index, (name, file)) in files.enumerated() {
            entries.append((DirectoryEntry(inode: file.inode, cookie: UInt64(index + 3), type: .regular, name: name),
                            withLookups ? Entry(attributes: Self.attributes(file)) : nil))
        }
        for (entry, lookup) in entries.dropFirst(Int(min(offset, UInt64(entries.count)))) {
            guard listing.append(entry, lookup: lookup) else { return }
        }
    }

    func readdir(_ request: Request, inode: Inode, handle: FileHandle, offset: UInt64,
                 into listing: inout DirectoryListing) throws(Errno) {
        guard inode == .root else { throw .notDirectory }
        fill(&listing, from: offset, withLookups: false)
    }

    func readdirplus(_ request: Request, inode: Inode, handle: FileHandle, offset: UInt64,
                     into listing: inout DirectoryListing) throws(Errno) {
        guard inode == .root else { throw .notDirectory }
        fill(&listing, from: offset, withLookups: true)
    }

    func setxattr(_ request: Request, inode: Inode, name: XattrName, value: [UInt8], flags: XattrFlags) throws(Errno) {
        let (fileName, _) = try file(inode)
        state.withLock { $0.files[fileName]?.xattrs[name] = value }
    }

    func getxattr(_ request: Request, inode: Inode, name: XattrName) throws(Errno) -> [UInt8] {
        guard let value = try file(inode).1.xattrs[name] else { throw .noData }
        return value
    }

    func listxattr(_ request: Request, inode: Inode) throws(Errno) -> [XattrName] {
        try file(inode).1.xattrs.keys.sorted { $0.bytes.lexicographicallyPrecedes($1.bytes) }
    }

    /// Every file is all data: SEEK_DATA answers the offset itself, SEEK_HOLE the end of the file.
    func lseek(_ request: Request, inode: Inode, handle: FileHandle, offset: UInt64, whence: SeekWhence) throws(Errno) -> UInt64 {
        let size = UInt64(try file(inode).1.data.count)
        guard offset < size else { throw .noSuchAddressOrDevice }
        return whence == .data ? offset : size
    }
}
