import BentoKit
import BentoServices
import Dispatch
import Foundation
import Synchronization
import Testing
@testable import XV6FS

/// A device whose flushes wait, while `isHeld`, until the test lets them go: a commit can be caught in its I/O.
final class HeldFlushDevice: BlockDeviceFilter {
    let underlying: any BlockDevice
    private let held = Mutex(false)
    private let waiting = Atomic<Int>(0)

    init(_ underlying: any BlockDevice) { self.underlying = underlying }

    /// Makes flushes wait (true) or lets them go (false).
    func hold(_ value: Bool) { held.withLock { $0 = value } }
    /// Flushes waiting right now.
    var flushesWaiting: Int { waiting.load(ordering: .relaxed) }

    func flush() throws(Errno) {
        waiting.add(1, ordering: .relaxed)
        while held.withLock({ $0 }) { usleep(1000) }
        waiting.subtract(1, ordering: .relaxed)
        try underlying.flush()
    }
}

/// The journal commits and checkpoints as JBD2 does: the running transaction is closed with no handle in flight,
/// then written while new operations go on, and checkpoints write home with operations going on; fsyncs that wait
/// behind one commit need no second one; nothing is lost when writers, fsyncs and commits or checkpoints run
/// together.
@Suite struct ConcurrentCommitTests {
    static func name(_ text: String) -> FileName { (try? FileName(text)) ?? .dot }

    /// The journal's device work that operations must not wait for: a commit's, or a checkpoint's.
    enum Racer: Sendable, CaseIterable { case commits, checkpoints }

    /// An operation completes while a commit, or a checkpoint, waits in its device flush (both used to keep the
    /// gate closed throughout).
    @Test(arguments: Racer.allCases)
    func operationsGoOnWhileTheJournalWaitsForTheDevice(_ racer: Racer) throws {
        let disk = SimulatedDisk(blockCount: 16384)
        try XV6FS.mkfs(device: disk, options: MkfsOptions())
        let device = HeldFlushDevice(disk)
        let fs = try XV6FS(device: device, options: XV6FS.Options(commitInterval: nil))
        _ = try fs.mkdir(.root, parent: .root, name: Self.name("before"), mode: FileMode(type: .directory, permissions: 0o755))
        if racer == .checkpoints { try fs.journal.commit() }  // what then waits is the checkpoint's own flush

        device.hold(true)
        let finished = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            switch racer {
            case .commits: _ = try? fs.journal.commit()
            case .checkpoints: try? fs.journal.checkpoint()
            }
            finished.signal()
        }
        #expect(waitUntil { device.flushesWaiting > 0 }, "the \(racer) reached the device")
        // The journal holds the committer lock and waits in its flush; a new operation must not wait for it.
        let created = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            _ = try? fs.mkdir(.root, parent: .root, name: Self.name("during"), mode: FileMode(type: .directory, permissions: 0o755))
            created.signal()
        }
        let madeMeanwhile = created.wait(timeout: .now() + 5) == .success
        device.hold(false)
        #expect(madeMeanwhile, "mkdir waited for the device flush of \(racer)")
        if !madeMeanwhile { _ = created.wait(timeout: .now() + 30) }
        _ = finished.wait(timeout: .now() + 30)

        fs.destroy()
        let again = try XV6FS(device: disk, options: XV6FS.Options(commitInterval: nil))
        #expect(try again.lookup(.root, parent: .root, name: Self.name("before")).attributes.mode.isDirectory)
        #expect(try again.lookup(.root, parent: .root, name: Self.name("during")).attributes.mode.isDirectory)
        again.destroy()
        #expect(XV6FS.fsck(device: disk).isConsistent)
    }

    @Test(arguments: [DataMode.ordered, .journal], Racer.allCases)
    func writersFsyncsAndCommitsTogetherLoseNothing(_ mode: DataMode, _ racer: Racer) throws {
        let disk = SimulatedDisk(blockCount: 16384)
        try XV6FS.mkfs(device: disk, options: MkfsOptions(journalBlocks: 256, dataMode: mode))
        let fs = try XV6FS(device: disk, options: XV6FS.Options(commitInterval: nil))
        let failures = Mutex<[String]>([])
        let done = Atomic<Bool>(false)
        Thread.detachNewThread {  // a committer or checkpointer racing the writers, as the background ones do
            while !done.load(ordering: .relaxed) {
                switch racer {
                case .commits: _ = try? fs.journal.commit()
                case .checkpoints:  // each writes the journal header and flushes twice even with nothing logged
                    try? fs.journal.checkpoint()
                    usleep(1000)
                }
            }
        }
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            do {
                let file = try fs.create(.root, parent: .root, name: Self.name("w\(worker)"),
                                         mode: FileMode(type: .regular, permissions: 0o644), flags: .readWrite)
                for round in 0..<60 {
                    let bytes = [UInt8](repeating: UInt8(truncatingIfNeeded: worker * 64 + round), count: 6000)
                    _ = try fs.write(.root, inode: file.entry.inode, handle: file.open.handle, offset: UInt64(round % 8) * 4096,
                                     data: bytes, flags: [])
                    if round % 4 == 3 { try fs.fsync(.root, inode: file.entry.inode, handle: file.open.handle, dataOnly: false) }
                }
                try fs.release(.root, inode: file.entry.inode, handle: file.open.handle, flags: .readWrite)
            } catch {
                failures.withLock { $0.append("worker \(worker): \(error)") }
            }
        }
        done.store(true, ordering: .relaxed)
        #expect(failures.withLock { $0 }.isEmpty)
        fs.destroy()

        // Each file holds what its writes, applied in order, leave (they overlap: 6,000 bytes every 4,096).
        let again = try XV6FS(device: disk, options: XV6FS.Options(commitInterval: nil))
        for worker in 0..<4 {
            var expected = [UInt8](repeating: 0, count: 7 * 4096 + 6000)
            for round in 0..<60 {
                let start = (round % 8) * 4096
                expected.replaceSubrange(start..<start + 6000,
                                         with: repeatElement(UInt8(truncatingIfNeeded: worker * 64 + round), count: 6000))
            }
            let inode = try again.lookup(.root, parent: .root, name: Self.name("w\(worker)")).inode
            let handle = try again.open(.root, inode: inode, flags: []).handle
            let contents = try again.read(.root, inode: inode, handle: handle, offset: 0, size: 65536)
            let firstDifference = contents.indices.first { $0 >= expected.count || contents[$0] != expected[$0] }
            #expect(contents.count == expected.count && firstDifference == nil,
                    "w\(worker): \(contents.count) bytes, first difference at \(firstDifference.map(String.init) ?? "none")")
            try again.release(.root, inode: inode, handle: handle, flags: [])
        }
        again.destroy()
        #expect(XV6FS.fsck(device: disk).isConsistent)
    }

    /// Polls `condition` for up to five seconds.
    func waitUntil(_ condition: () -> Bool) -> Bool {
        for _ in 0..<5000 {
            if condition() { return true }
            usleep(1000)
        }
        return false
    }
}
