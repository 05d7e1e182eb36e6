import BentoServices
import Foundation
import Synchronization
import Testing

@Suite struct BufferCacheConcurrencyTests {
    @Test func eightThreadsIncrementingRandomBlocksMatchAPerBlockModel() throws {
        let blocks = 96
        let disk = SimulatedDisk(blockSize: 64, blockCount: UInt64(blocks))
        let cache = BufferCache(device: disk, capacity: 16)
        let model = Mutex([Int](repeating: 0, count: blocks))
        let mismatches = Atomic(0)
        let failures = Atomic(0)
        onThreads(8) { thread in
            var random = SystemRandomNumberGenerator()
            for step in 0 ..< 2_000 {
                let block = Int.random(in: 0 ..< blocks, using: &random)
                do {
                    var buffer = try cache.read(BlockNumber(UInt64(block)))
                    let counter = buffer.load(UInt64.self, at: 0)
                    let tag = buffer.load(UInt64.self, at: 8)
                    let expected = model.withLock { $0[block] }
                    if counter != UInt64(expected) || (counter > 0 && tag != UInt64(block)) {
                        mismatches.add(1, ordering: .relaxed)
                    }
                    buffer.store(counter + 1, at: 0)
                    buffer.store(UInt64(block), at: 8)
                    model.withLock { $0[block] += 1 }
                    buffer.release()
                    if thread == 0, step % 500 == 499 { try cache.sync() }
                } catch {
                    failures.add(1, ordering: .relaxed)
                }
            }
        }
        #expect(mismatches.load(ordering: .relaxed) == 0)
        #expect(failures.load(ordering: .relaxed) == 0)
        try cache.sync()
        let counts = model.withLock { $0 }
        #expect(counts.reduce(0, +) == 16_000)
        for block in 0 ..< blocks {
            let bytes = try disk.read(BlockNumber(UInt64(block)))
            let counter = bytes[0 ..< 8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
            #expect(counter == UInt64(counts[block]), "block \(block)")
        }
        let statistics = cache.statistics
        #expect(statistics.hits + statistics.misses == 16_000)
        #expect(statistics.evictions > 0)
        #expect(statistics.cachedBlocks <= 16 + 8)
    }

    @Test func aThreadAskingForABlockBeingReadWaitsForThatRead() throws {
        let disk = SimulatedDisk(blockSize: 16, blockCount: 8)
        try disk.write(BlockNumber(3), filled(3))
        let cache = BufferCache(device: SlowDevice(disk, delay: 0.2), capacity: 8)
        let readsBefore = disk.readCount
        let wrong = Atomic(0)
        onThreads(4) { _ in
            guard let bytes = try? cache.read(BlockNumber(3)).bytes, bytes == filled(3) else {
                wrong.add(1, ordering: .relaxed)
                return
            }
        }
        #expect(wrong.load(ordering: .relaxed) == 0)
        #expect(disk.readCount - readsBefore == 1)
        #expect(cache.statistics.misses == 1)
        #expect(cache.statistics.hits == 3)
    }

    @Test func aHeldBlockMakesOtherThreadsWaitUntilItIsReleased() throws {
        let disk = SimulatedDisk(blockSize: 16, blockCount: 8)
        let cache = BufferCache(device: disk, capacity: 8)
        var held = try cache.read(BlockNumber(1))
        let seen = Mutex<UInt8?>(nil)
        let waiter = Thread {
            let value = try? cache.read(BlockNumber(1)).bytes[0]
            seen.withLock { $0 = value }
        }
        waiter.start()
        Thread.sleep(forTimeInterval: 0.1)
        #expect(seen.withLock { $0 } == nil)
        held.store(UInt8(42), at: 0)
        held.release()
        let deadline = Date().addingTimeInterval(5)
        while seen.withLock({ $0 }) == nil, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        #expect(seen.withLock { $0 } == 42)
    }

    @Test func whenEveryBufferIsHeldTheCacheGrowsThenShrinksBack() throws {
        let disk = SimulatedDisk(blockSize: 16, blockCount: 64)
        let cache = BufferCache(device: disk, capacity: 8)
        func holdNested(_ remaining: UInt64) throws {
            guard remaining > 0 else {
                #expect(cache.statistics.cachedBlocks == 10)
                #expect(cache.statistics.growths == 2)
                return
            }
            let buffer = try cache.read(BlockNumber(remaining))
            try holdNested(remaining - 1)
            buffer.release()
        }
        try holdNested(10)
        #expect(cache.statistics.cachedBlocks == 8)
    }
}
