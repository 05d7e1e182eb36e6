import BentoKit
import BentoServices
import Dispatch
import Synchronization
import Testing
@testable import XV6FS

/// The inode table's memory bound: eviction past the capacity loses nothing, lookups the kernel holds survive
/// eviction, and the cache budget is checked at mount.
@Suite struct InodeCacheTests {
    static let capacity = 64

    /// A fresh image mounted with a table of `capacity` inodes.
    static func mount(_ disk: SimulatedDisk, capacity: Int = Self.capacity) throws -> XV6FS {
        try XV6FS(device: disk, options: XV6FS.Options(inodeCapacity: capacity, commitInterval: nil))
    }

    static func formatted() throws -> SimulatedDisk {
        let disk = SimulatedDisk(blockCount: 16384)
        try XV6FS.mkfs(device: disk, options: MkfsOptions())
        return disk
    }

    static func name(_ index: Int) throws -> FileName { try FileName("file\(index)") }
    static func contents(_ index: Int) -> [UInt8] { Array("contents of file \(index)\n".utf8) }

    @Test func theTableStaysWithinItsCapacityAndLosesNothing() throws {
        let disk = try Self.formatted()
        let fs = try Self.mount(disk)
        let directory = try fs.mkdir(.root, parent: .root, name: FileName("d"), mode: FileMode(type: .directory, permissions: 0o755)).inode
        var inodes: [Inode] = []
        for index in 0..<500 {
            let reply = try fs.create(.root, parent: directory, name: Self.name(index),
                                      mode: FileMode(type: .regular, permissions: 0o644), flags: .readWrite)
            _ = try fs.write(.root, inode: reply.entry.inode, handle: reply.open.handle, offset: 0, data: Self.contents(index), flags: [])
            try fs.release(.root, inode: reply.entry.inode, handle: reply.open.handle, flags: .readWrite)
            inodes.append(reply.entry.inode)
            #expect(fs.table.counts.cached <= Self.capacity)
        }
        let counts = fs.table.counts
        #expect(counts.evictions > 400)
        #expect(counts.parked > 400, "the kernel still holds every created file: their lookups are parked")
        // A change to an evicted inode, then everything read back (each load goes through the journal's copy).
        _ = try fs.setattr(.root, inode: inodes[3], changes: AttributeChanges(mode: FileMode(type: .regular, permissions: 0o600)))
        for (index, inode) in inodes.enumerated() {
            let looked = try fs.lookup(.root, parent: directory, name: Self.name(index))
            #expect(looked.inode == inode)
            let handle = try fs.open(.root, inode: inode, flags: []).handle
            #expect(try fs.read(.root, inode: inode, handle: handle, offset: 0, size: 4096) == Self.contents(index))
            try fs.release(.root, inode: inode, handle: handle, flags: [])
        }
        #expect(try fs.getattr(.root, inode: inodes[3], handle: nil).attributes.mode.permissions == 0o600)
        #expect(fs.table.inUse.count >= 501, "an upgrade's state names every inode the kernel holds, cached or not")
        fs.destroy()

        let again = try Self.mount(disk)
        #expect(try again.getattr(.root, inode: inodes[3], handle: nil).attributes.mode.permissions == 0o600)
        #expect(try again.lookup(.root, parent: directory, name: Self.name(499)).attributes.size == UInt64(Self.contents(499).count))
        again.destroy()
        #expect(XV6FS.fsck(device: disk).isConsistent)
    }

    @Test func aParkedLookupKeepsAnUnlinkedFileUntilTheKernelForgetsIt() throws {
        let disk = try Self.formatted()
        let fs = try Self.mount(disk)
        let kept = try fs.create(.root, parent: .root, name: FileName("kept"), mode: FileMode(type: .regular, permissions: 0o644),
                                 flags: .readWrite)
        _ = try fs.write(.root, inode: kept.entry.inode, handle: kept.open.handle, offset: 0, data: Self.contents(7), flags: [])
        try fs.release(.root, inode: kept.entry.inode, handle: kept.open.handle, flags: .readWrite)
        for index in 0..<200 {
            _ = try fs.mkdir(.root, parent: .root, name: Self.name(index), mode: FileMode(type: .directory, permissions: 0o755))
        }
        let number = UInt32(kept.entry.inode.rawValue)
        #expect(!fs.table.cached.contains { $0.number == number }, "evicted while the kernel holds it")

        try fs.unlink(.root, parent: .root, name: FileName("kept"))
        #expect(try fs.getattr(.root, inode: kept.entry.inode, handle: nil).attributes.linkCount == 0,
                "the parked lookup keeps the unlinked inode alive")
        fs.forget(kept.entry.inode, count: 1)
        #expect(throws: Errno.noSuchFileOrDirectory) { try fs.getattr(.root, inode: kept.entry.inode, handle: nil) }
        fs.destroy()
        #expect(XV6FS.fsck(device: disk).isConsistent)
    }

    @Test func threadsWorkingOnAFullTableLoseNothing() throws {
        let disk = try Self.formatted()
        let fs = try Self.mount(disk, capacity: 64)
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            do {
                let directory = try fs.mkdir(.root, parent: .root, name: FileName("w\(worker)"),
                                             mode: FileMode(type: .directory, permissions: 0o755)).inode
                for index in 0..<150 {
                    let reply = try fs.create(.root, parent: directory, name: Self.name(index),
                                              mode: FileMode(type: .regular, permissions: 0o644), flags: .readWrite)
                    _ = try fs.write(.root, inode: reply.entry.inode, handle: reply.open.handle, offset: 0,
                                     data: Self.contents(worker * 1000 + index), flags: [])
                    try fs.release(.root, inode: reply.entry.inode, handle: reply.open.handle, flags: .readWrite)
                    if index % 3 == 0 {
                        try fs.rename(.root, parent: directory, name: Self.name(index), newParent: directory,
                                      newName: FileName("moved\(index)"), flags: [])
                    }
                    if index % 5 == 0 { fs.forget(reply.entry.inode, count: 1) }
                }
                for index in 0..<150 {
                    let name = index % 3 == 0 ? try FileName("moved\(index)") : try Self.name(index)
                    let inode = try fs.lookup(.root, parent: directory, name: name).inode
                    let handle = try fs.open(.root, inode: inode, flags: []).handle
                    let read = try fs.read(.root, inode: inode, handle: handle, offset: 0, size: 4096)
                    try fs.release(.root, inode: inode, handle: handle, flags: [])
                    if read != Self.contents(worker * 1000 + index) { failures.withLock { $0.append("w\(worker)/\(name)") } }
                }
            } catch {
                failures.withLock { $0.append("worker \(worker): \(error)") }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty)
        #expect(fs.table.counts.evictions > 0)
        fs.destroy()
        #expect(XV6FS.fsck(device: disk).isConsistent)
    }

    @Test func aBudgetTooSmallForTheJournalIsRefusedAtMount() throws {
        let disk = try Self.formatted()
        let journal = try XV6FS.readSuperblock(disk).journalBlocks
        #expect(throws: MountError.self) {
            try XV6FS(device: disk, options: XV6FS.Options(cacheSize: 1 << 20, commitInterval: nil))
        }
        do {
            _ = try XV6FS(device: disk, options: XV6FS.Options(cacheSize: 1 << 20, commitInterval: nil))
        } catch {
            #expect(error.description.contains("cache_size=1M is too small"), "\(error)")
        }
        let shares = try XV6FS.cacheCapacities(XV6FS.Options(cacheSize: 256 << 20), journalBlocks: journal)
        #expect(shares.blocks == 40960 && shares.inodes == 32768)
        let fs = try XV6FS(device: disk, options: XV6FS.Options(cacheSize: 256 << 20, commitInterval: nil))
        #expect(fs.counters.contains(FileSystemCounter("inodes_capacity", 32768)))
        #expect(fs.counters.contains(FileSystemCounter("cache_blocks_capacity", 40960)))
        fs.destroy()
    }
}
