import BentoKit
import BentoServices
import Dispatch
import Foundation
import Synchronization
import Testing
@testable import XV6FS

/// A device that, once armed, runs a hook before it writes a chosen block (once): a checkpoint can be caught
/// between two of its home writes.
final class HookedWriteDevice: BlockDeviceFilter {
    let underlying: any BlockDevice
    private let hook = Mutex<(block: BlockNumber, run: @Sendable () -> Void)?>(nil)

    init(_ underlying: any BlockDevice) { self.underlying = underlying }

    /// Runs `run` before the next write of `block`.
    func beforeWriting(_ block: BlockNumber, run: @escaping @Sendable () -> Void) {
        hook.withLock { $0 = (block, run) }
    }

    func write(_ block: BlockNumber, _ bytes: [UInt8]) throws(Errno) {
        let run = hook.withLock { armed -> (@Sendable () -> Void)? in
            guard let current = armed, current.block == block else { return nil }
            armed = nil
            return current.run
        }
        run?()
        try underlying.write(block, bytes)
    }
}

/// A checkpoint runs with operations going on (the gate open; ConcurrentCommitTests shows they do not wait for
/// it): a change made while it writes home never reaches a home location before its transaction commits.
@Suite struct CheckpointWhileRunningTests {
    static func name(_ text: String) -> FileName { (try? FileName(text)) ?? .dot }

    /// Allocates `count` blocks filled with 0xEE in one committed transaction, in ascending order.
    private func commitNewBlocks(_ count: Int, in fs: XV6FS) throws -> [BlockNumber] {
        let blocks = try fs.journal.transaction { (handle: Handle) throws(Errno) in try logNewBlocks(count, in: fs, handle) }
        try fs.journal.commit()
        return blocks.sorted().map { BlockNumber(UInt64($0)) }
    }

    /// A committed block changed by a new transaction after the checkpoint began, before it wrote that block:
    /// the checkpoint writes the committed copy home. A checkpoint that decided from the state it saw when it
    /// started (as one with the gate closed could) would write the uncommitted bytes, and a crash before the
    /// commit would keep them with no log to undo them.
    @Test func aBlockChangedDuringTheCheckpointGoesHomeAsItsCommittedCopy() throws {
        let disk = SimulatedDisk(blockCount: 16384)
        try XV6FS.mkfs(device: disk, options: MkfsOptions())
        let device = HookedWriteDevice(disk)
        let fs = try XV6FS(device: device, options: XV6FS.Options(commitInterval: nil))
        let blocks = try commitNewBlocks(2, in: fs)
        let (first, changed) = (blocks[0], blocks[1])
        let uncommitted = [UInt8](repeating: 0x22, count: Format.blockSize)

        let changedDuringCheckpoint = Flag()
        device.beforeWriting(first) {
            // The checkpoint is writing its first block home; change the second meanwhile, from another thread.
            let done = DispatchSemaphore(value: 0)
            Thread.detachNewThread {
                _ = try? fs.journal.transaction { (handle: Handle) throws(Errno) in
                    try fs.journal.update(changed, handle) { (bytes: inout [UInt8]) in bytes = uncommitted }
                }
                done.signal()
            }
            changedDuringCheckpoint.value.store(done.wait(timeout: .now() + 5) == .success, ordering: .relaxed)
        }
        disk.clearOperations()
        try fs.journal.log.withLock { (log: inout Journal.Log) throws(Errno) in try fs.journal.checkpointCommitted(&log) }

        let changedInTime = changedDuringCheckpoint.value.load(ordering: .relaxed)
        #expect(changedInTime, "the change waited for the checkpoint")
        let homeWrites = disk.operations.compactMap { operation -> Set<UInt8>? in
            if case .write(let block, let bytes) = operation, block == changed { Set(bytes) } else { nil }
        }
        #expect(homeWrites == [[0xEE]], "the byte values written to the changed block by the checkpoint")
        #expect(try fs.journal.read(changed) == uncommitted)

        let crashed = SimulatedDisk(image: disk.durableImage)
        _ = try XV6FS(device: crashed, options: XV6FS.Options(commitInterval: nil))
        #expect(try crashed.read(changed) == [UInt8](repeating: 0xEE, count: Format.blockSize),
                "a crash before the change committed keeps the committed copy")
        try fs.journal.commit()
        let committed = SimulatedDisk(image: disk.durableImage)
        _ = try XV6FS(device: committed, options: XV6FS.Options(commitInterval: nil))
        #expect(try committed.read(changed) == uncommitted, "replay of the committed change")
    }

    /// A flag set from another thread.
    final class Flag: Sendable { let value = Atomic<Bool>(false) }
}
