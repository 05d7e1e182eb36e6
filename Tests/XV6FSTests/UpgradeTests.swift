import BentoKit
import BentoServices
import Testing
@testable import XV6FS

/// Live upgrade in process: the journal's in-memory state goes to the next instance instead of a checkpoint.
@Suite struct UpgradeTests {
    /// An upgrade with committed-not-checkpointed and running changes writes nothing to the disk; the new
    /// instance serves them, goes on logging (an fsync of a file only the old version changed commits it), and
    /// every crash state afterwards recovers consistently.
    @Test(arguments: DataMode.allCases)
    func handsOverTheJournalWithoutFlushing(mode: DataMode) throws {
        let disk = SimulatedDisk(blockCount: 4096)
        try XV6FS.mkfs(device: disk, options: MkfsOptions(journalBlocks: 512, dataMode: mode))
        let old = Fixture(fs: try XV6FS(device: disk, options: XV6FS.Options(commitInterval: nil)), disk: disk)
        let first = Fixture.pattern(9000, seed: 1), second = Fixture.pattern(5000, seed: 2)
        let a = try old.create("a")
        try old.write(first, to: a, at: 0)
        try old.fs.fsync(old.root, inode: a.inode, handle: a.handle, dataOnly: false)
        let c = try old.create("c")
        try old.write(Fixture.pattern(70_000, seed: 3), to: c, at: 0)
        try old.fs.fsync(old.root, inode: c.inode, handle: c.handle, dataOnly: false)
        try old.fs.release(old.root, inode: c.inode, handle: c.handle, flags: [])
        try old.fs.unlink(old.root, parent: .root, name: old.name("c"))
        old.fs.forget(c.inode, count: 1)
        let b = try old.create("b")
        try old.write(second, to: b, at: 0)
        let e = try old.create("e")
        let unsynced = Fixture.pattern(6000, seed: 6)
        try old.write(unsynced, to: e, at: 0)
        #expect(old.fs.journal.log.withLock { $0.used } > 0, "committed transactions wait for a checkpoint")
        #expect(!old.fs.journal.running.withLock { $0.blocks.isEmpty }, "a transaction is running")
        #expect(old.fs.allocator.hasPendingFrees)
        let frozen = old.fs.journal.running.withLock { $0.frozen }
        #expect(!frozen.isEmpty, "the running transaction changed blocks a committed one pins")

        disk.clearOperations()
        let state = try old.fs.prepareUpgrade()
        #expect(state.version == 4 && XV6FS.handedOverDescriptor(in: state) == nil && state.descriptors.isEmpty)
        let recorder = CrashRecorder(disk: disk, statesPerFlush: 24)
        let new = Fixture(fs: try XV6FS(device: recorder, options: XV6FS.Options(commitInterval: nil), resuming: state),
                          disk: disk)
        old.fs.retire()
        try old.fs.journal.commitInBackground()
        #expect(disk.operations.isEmpty, "the upgrade wrote or flushed: \(disk.operations)")
        #expect(new.fs.allocator.hasPendingFrees, "freed blocks stay unusable until the next checkpoint")
        #expect(new.fs.journal.running.withLock { $0.frozen } == frozen, "the frozen committed copies go over")

        recorder.promise("a holds what was fsynced before the upgrade") { try CrashTests.holds($0, "a", first) }
        recorder.record()
        #expect(try new.read(a, at: 0, count: 9000) == first)
        #expect(try new.read(b, at: 0, count: 5000) == second)
        #expect(!CrashTests.exists(new, "c"))
        // e changed only in the old version's running transaction: the new version's fsync must commit it.
        try new.fs.fsync(new.root, inode: e.inode, handle: e.handle, dataOnly: false)
        recorder.promise("e holds what the old version wrote and the new one fsynced") { try CrashTests.holds($0, "e", unsynced) }
        let more = Fixture.pattern(3000, seed: 4)
        try new.write(more, to: b, at: 5000)
        try new.fs.fsync(new.root, inode: b.inode, handle: b.handle, dataOnly: false)
        recorder.promise("b holds its bytes from both versions, c is gone") {
            try CrashTests.holds($0, "b", second + more) && !CrashTests.exists($0, "c")
        }
        let d = try new.create("d")
        try new.write(Fixture.pattern(20_000, seed: 5), to: d, at: 0)
        recorder.verifyRecordedStates()
        try new.fs.release(new.root, inode: b.inode, handle: b.handle, flags: [])
        try new.fs.release(new.root, inode: e.inode, handle: e.handle, flags: [])
        new.fs.destroy()
        #expect(XV6FS.fsck(device: disk).isConsistent)
        let remounted = try Fixture(disk: disk)
        #expect(try CrashTests.holds(remounted, "b", second + more))
    }

    /// Between `beginUpgrade` and the swap no commit starts: fsync asks to be retried (on the next version),
    /// handles past the size limits go on without committing; `cancelUpgrade` lets commits start again.
    @Test func beginUpgradeHoldsCommitsBack() throws {
        let f = try Fixture(mode: .journal, mkfs: MkfsOptions(journalBlocks: 256))
        let file = try f.create("x")
        f.fs.beginUpgrade()
        try f.write([1, 2, 3], to: file, at: 0)
        #expect(throws: Errno.retryAfterUpgrade) {
            try f.fs.fsync(f.root, inode: file.inode, handle: file.handle, dataOnly: false)
        }
        let committed = f.fs.journal.log.withLock { $0.committed }
        let big = try f.create("big")
        try f.write(Fixture.pattern(400_000), to: big, at: 0)  // data=journal: 98 logged blocks, in two handles
        #expect(f.fs.journal.running.withLock { $0.blocks.count } > f.fs.journal.transactionLimit)
        #expect(f.fs.journal.log.withLock { $0.committed } == committed, "a handle's start committed")
        f.disk.clearOperations()
        try f.fs.journal.commitInBackground()
        #expect(f.disk.operations.isEmpty, "the background committer waits too")
        f.fs.cancelUpgrade()
        try f.fs.fsync(f.root, inode: file.inode, handle: file.handle, dataOnly: false)
        try f.fs.release(f.root, inode: file.inode, handle: file.handle, flags: [])
        try f.fs.release(f.root, inode: big.inode, handle: big.handle, flags: [])
        let crashed = try Fixture(disk: SimulatedDisk(image: f.disk.durableImage))
        #expect(try CrashTests.holds(crashed, "x", [1, 2, 3]))
    }

    /// When the upgrade fails after `prepareUpgrade`, the old instance keeps serving and logging.
    @Test func oldInstanceGoesOnAfterAFailedUpgrade() throws {
        let f = try Fixture()
        let file = try f.create("x")
        try f.write([1, 2, 3], to: file, at: 0)
        _ = try f.fs.prepareUpgrade()
        try f.write([4, 5], to: file, at: 3)
        try f.fs.fsync(f.root, inode: file.inode, handle: file.handle, dataOnly: false)
        try f.fs.release(f.root, inode: file.inode, handle: file.handle, flags: [])
        let remounted = try f.remount()
        #expect(try CrashTests.holds(remounted, "x", [1, 2, 3, 4, 5]))
        try remounted.expectClean()
    }

    /// A state from an older build (version 1, written after a checkpoint) still resumes; an unknown one is refused.
    @Test func readsVersionOneAndRefusesUnknownVersions() throws {
        let f = try Fixture()
        let file = try f.create("y")
        try f.write([7, 7], to: file, at: 0)
        try f.fs.sync()
        var v1 = StateWriter()
        v1.write(f.fs.dataMode.rawValue)
        let position = f.fs.journal.position
        v1.write(position.sequence)
        v1.write(position.head)
        v1.write(file.handle.rawValue + 1)
        v1.write(1)
        v1.write(file.handle.rawValue)
        v1.write(file.inode.rawValue)
        v1.write(Int64(OpenFlags.readWrite.rawValue))
        v1.write(0)
        let state = UpgradeState(format: "xv6fs", version: 1, bytes: v1.bytes)
        let resumed = Fixture(fs: try XV6FS(device: f.disk, options: XV6FS.Options(commitInterval: nil), resuming: state),
                              disk: f.disk)
        f.fs.retire()
        #expect(try resumed.read(file, at: 0, count: 2) == [7, 7])
        #expect(throws: MountError.self) {
            try XV6FS(device: f.disk, resuming: UpgradeState(format: "xv6fs", version: 4, bytes: v1.bytes))
        }
    }

    /// A version 4 state names the device by its index in the state's descriptors (so it can cross to another
    /// process, which sees its own numbers); a version 3 state by its number in this process.
    @Test func theDeviceGoesByIndexAndOlderStatesByNumber() {
        var index = StateWriter()
        index.write(Int64(0))
        #expect(XV6FS.handedOverDescriptor(in: UpgradeState(format: "xv6fs", version: 4, bytes: index.bytes, descriptors: [17])) == 17)
        #expect(XV6FS.handedOverDescriptor(in: UpgradeState(format: "xv6fs", version: 4, bytes: index.bytes)) == nil,
                "an index past the list names nothing")
        var number = StateWriter()
        number.write(Int64(9))
        #expect(XV6FS.handedOverDescriptor(in: UpgradeState(format: "xv6fs", version: 3, bytes: number.bytes)) == 9)
    }
}
