import BentoKit
import Synchronization
@testable import MemFS

/// A clock the tests move by hand.
final class TestClock: BentoKit.Clock {
    private let current = Mutex(Timestamp(seconds: 1_000_000, nanoseconds: 0))

    /// The time the clock shows.
    func now() -> Timestamp { current.withLock { $0 } }

    /// Moves the clock forward.
    func advance(seconds: Int64 = 1, nanoseconds: UInt32 = 0) {
        current.withLock { $0 = Timestamp(seconds: $0.seconds + seconds, nanoseconds: $0.nanoseconds + nanoseconds) }
    }
}

/// A MemFS with a test clock, plus shortcuts for the calls the tests make again and again.
struct Fixture {
    let fs: MemFS
    let clock = TestClock()
    let root = Request.root
    static let alice = Request(uid: UserID(1000), gid: GroupID(1000))
    static let bob = Request(uid: UserID(1001), gid: GroupID(1001))

    init(options: MemFS.Options = .init(capacity: 1 << 30)) {
        fs = MemFS(options: options, clock: clock)
    }

    func name(_ string: String) -> FileName {
        (try? FileName(string)) ?? .dot
    }

    /// Creates `path`'s last component in `parent` and opens it read-write.
    func create(_ string: String, in parent: Inode = .root, mode: UInt32 = 0o644, as request: Request = .root,
                flags: OpenFlags = .readWrite) throws -> (inode: Inode, handle: FileHandle) {
        let reply = try fs.create(request, parent: parent, name: name(string),
                                  mode: FileMode(type: .regular, permissions: mode), flags: flags)
        return (reply.entry.inode, reply.open.handle)
    }

    func mkdir(_ string: String, in parent: Inode = .root, mode: UInt32 = 0o755, as request: Request = .root) throws -> Inode {
        try fs.mkdir(request, parent: parent, name: name(string), mode: FileMode(type: .directory, permissions: mode)).inode
    }

    func lookup(_ string: String, in parent: Inode = .root, as request: Request = .root) throws -> Entry {
        try fs.lookup(request, parent: parent, name: name(string))
    }

    func attributes(_ inode: Inode) throws -> Attributes {
        try fs.getattr(root, inode: inode, handle: nil).attributes
    }

    @discardableResult
    func write(_ bytes: [UInt8], to file: (inode: Inode, handle: FileHandle), at offset: UInt64,
               as request: Request = .root) throws -> UInt32 {
        try fs.write(request, inode: file.inode, handle: file.handle, offset: offset, data: bytes, flags: [])
    }

    func read(_ file: (inode: Inode, handle: FileHandle), at offset: UInt64, count: UInt32) throws -> [UInt8] {
        try fs.read(root, inode: file.inode, handle: file.handle, offset: offset, size: count)
    }

    func names(in directory: Inode) throws -> [String] {
        let handle = try fs.opendir(root, inode: directory, flags: []).handle
        defer { try? fs.releasedir(root, inode: directory, handle: handle) }
        var listing = DirectoryListing(capacity: 1 << 20, isPlus: false) { _, _ in 1 }
        try fs.readdir(root, inode: directory, handle: handle, offset: 0, into: &listing)
        return listing.entries.map { $0.entry.name.description }
    }
}
