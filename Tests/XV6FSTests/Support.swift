import BentoKit
import BentoServices
import Synchronization
import Testing
@testable import XV6FS

/// A clock the tests move by hand.
final class TestClock: BentoKit.Clock {
    private let current = Mutex(Timestamp(seconds: 1_000_000, nanoseconds: 0))
    func now() -> Timestamp { current.withLock { $0 } }
    func advance(seconds: Int64 = 1) { current.withLock { $0 = Timestamp(seconds: $0.seconds + seconds, nanoseconds: $0.nanoseconds) } }
}

/// An xv6fs on a fresh simulated disk, plus shortcuts for the calls tests make again and again.
struct Fixture {
    let disk: SimulatedDisk
    let clock = TestClock()
    let fs: XV6FS
    let root = Request.root
    static let alice = Request(uid: UserID(1000), gid: GroupID(1000))
    static let bob = Request(uid: UserID(1001), gid: GroupID(1001))

    /// Formats a disk of `blocks` 4 KiB blocks and mounts it.
    init(blocks: UInt64 = 16384, mode: DataMode = .ordered, mkfs: MkfsOptions = MkfsOptions()) throws {
        disk = SimulatedDisk(blockCount: blocks)
        var options = mkfs
        options.dataMode = mode
        try XV6FS.mkfs(device: disk, options: options)
        fs = try XV6FS(device: disk, options: XV6FS.Options(commitInterval: nil), clock: clock)
    }

    /// Mounts an existing disk.
    init(disk: SimulatedDisk) throws {
        self.disk = disk
        fs = try XV6FS(device: disk, options: XV6FS.Options(commitInterval: nil), clock: clock)
    }

    /// Unmounts cleanly and mounts the same disk again.
    func remount() throws -> Fixture {
        fs.destroy()
        return try Fixture(disk: disk)
    }

    /// Checkpoints and runs fsck, expecting a consistent image.
    func expectClean(sourceLocation: SourceLocation = #_sourceLocation) throws {
        try fs.sync()
        let report = XV6FS.fsck(device: disk)
        #expect(report.isConsistent, "\(report)", sourceLocation: sourceLocation)
    }

    func name(_ string: String) -> FileName { (try? FileName(string)) ?? .dot }

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

    func attributes(_ inode: Inode) throws -> Attributes { try fs.getattr(root, inode: inode, handle: nil).attributes }

    @discardableResult
    func write(_ bytes: [UInt8], to file: (inode: Inode, handle: FileHandle), at offset: UInt64, as request: Request = .root) throws -> UInt32 {
        try fs.write(request, inode: file.inode, handle: file.handle, offset: offset, data: bytes, flags: [])
    }

    func read(_ file: (inode: Inode, handle: FileHandle), at offset: UInt64, count: UInt32) throws -> [UInt8] {
        try fs.read(root, inode: file.inode, handle: file.handle, offset: offset, size: count)
    }

    func open(_ inode: Inode, flags: OpenFlags = .readWrite) throws -> (inode: Inode, handle: FileHandle) {
        (inode, try fs.open(root, inode: inode, flags: flags).handle)
    }

    func names(in directory: Inode = .root) throws -> [String] {
        try listing(of: directory).map(\.name)
    }

    func listing(of directory: Inode = .root, from offset: UInt64 = 0, capacity: Int = 1 << 20) throws -> [(name: String, cookie: UInt64)] {
        let handle = try fs.opendir(root, inode: directory, flags: []).handle
        defer { try? fs.releasedir(root, inode: directory, handle: handle) }
        var listing = DirectoryListing(capacity: capacity, isPlus: false) { _, _ in 1 }
        try fs.readdir(root, inode: directory, handle: handle, offset: offset, into: &listing)
        return listing.entries.map { ($0.entry.name.description, $0.entry.cookie) }
    }

    /// Deterministic bytes.
    static func pattern(_ count: Int, seed: UInt8 = 1) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed) &* 7 &+ $0 / 4096) }
    }
}

/// Allocates `count` blocks in `fs` and logs a copy of each filled with 0xEE, in `handle`'s transaction (what a new
/// indirect or directory block does).
func logNewBlocks(_ count: Int, in fs: XV6FS, _ handle: Handle) throws(Errno) -> [UInt32] {
    var blocks: [UInt32] = []
    for _ in 0..<count {
        let block = try fs.allocator.allocateBlock(near: nil, handle)
        try fs.journal.initialize(BlockNumber(UInt64(block)), handle, to: [UInt8](repeating: 0xEE, count: Format.blockSize))
        blocks.append(block)
    }
    return blocks
}
