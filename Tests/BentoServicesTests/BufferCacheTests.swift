import BentoServices
import Testing

@Suite struct BufferCacheTests {
    @Test func aModifiedBufferIsWrittenBackBySyncThenFlushed() throws {
        let disk = SimulatedDisk(blockSize: 16, blockCount: 64)
        let cache = BufferCache(device: disk, capacity: 8)
        var buffer = try cache.read(BlockNumber(3))
        let (initial, initiallyDirty) = (buffer.bytes, buffer.isDirty)
        #expect(initial == filled(0))
        #expect(!initiallyDirty)
        buffer.store(UInt32(0xDEAD_BEEF), at: 4)
        buffer.store(bytes: [1, 2, 3], at: 12)
        let (value, bytes, dirty) = (buffer.load(UInt32.self, at: 4), buffer.bytes, buffer.isDirty)
        #expect(value == 0xDEAD_BEEF)
        #expect(bytes[4 ..< 8] == [0xEF, 0xBE, 0xAD, 0xDE])
        #expect(dirty)
        buffer.release()
        #expect(disk.operations.isEmpty)
        try cache.sync()
        #expect(disk.operations.count == 2)
        #expect(disk.operations.last == .flush)
        #expect(try disk.read(BlockNumber(3))[12 ..< 15] == [1, 2, 3])
        try cache.sync()
        #expect(disk.operations.count == 3)
    }

    @Test func aSecondReadIsAHit() throws {
        let disk = SimulatedDisk(blockSize: 16, blockCount: 64)
        let cache = BufferCache(device: disk, capacity: 8)
        _ = try cache.read(BlockNumber(1))
        _ = try cache.read(BlockNumber(1))
        #expect(cache.statistics.hits == 1)
        #expect(cache.statistics.misses == 1)
        #expect(disk.readCount == 1)
    }

    @Test func zeroedReadsNothingAndIsDirty() throws {
        let disk = SimulatedDisk(blockSize: 16, blockCount: 64)
        try disk.write(BlockNumber(2), filled(5))
        let cache = BufferCache(device: disk, capacity: 8)
        let buffer = try cache.zeroed(BlockNumber(2))
        let (bytes, dirty) = (buffer.bytes, buffer.isDirty)
        #expect(bytes == filled(0))
        #expect(dirty)
        #expect(disk.readCount == 0)
    }

    @Test func dirtyBuffersEvictedUnderPressureAreWrittenBackExactlyOnce() throws {
        let disk = SimulatedDisk(blockSize: 16, blockCount: 256)
        let cache = BufferCache(device: disk, capacity: 8)
        for block in 0 ..< UInt64(100) {
            var buffer = try cache.read(BlockNumber(block))
            buffer.store(UInt64(block + 1), at: 0)
        }
        try cache.sync()
        let counts = writeCounts(disk)
        #expect(counts.count == 100)
        #expect(counts.values.allSatisfy { $0 == 1 })
        #expect(cache.statistics.writebacks == 100)
        #expect(cache.statistics.evictions >= 92)
        for block in 0 ..< UInt64(100) {
            let value = try cache.read(BlockNumber(block)).load(UInt64.self, at: 0)
            #expect(value == block + 1)
        }
    }

    @Test func pinnedBuffersAreNeitherEvictedNorWrittenBackByTheCache() throws {
        let disk = SimulatedDisk(blockSize: 16, blockCount: 256)
        let cache = BufferCache(device: disk, capacity: 8)
        var logged = try cache.read(BlockNumber(7))
        logged.store(UInt8(0x77), at: 0)
        cache.pin(BlockNumber(7))
        logged.release()
        for block in 100 ..< UInt64(200) {
            var buffer = try cache.read(BlockNumber(block))
            buffer.store(UInt8(1), at: 0)
        }
        try cache.sync()
        #expect(writeCounts(disk)[BlockNumber(7)] == nil)
        let readsBefore = disk.readCount
        let first = try cache.read(BlockNumber(7)).bytes[0]
        #expect(first == 0x77)
        #expect(disk.readCount == readsBefore)
        try cache.writeBack(BlockNumber(7))
        #expect(writeCounts(disk)[BlockNumber(7)] == 1)
        cache.unpin(BlockNumber(7))
    }

    @Test func aWorkingSetAsLargeAsTheCapacityStaysCachedAcrossShards() throws {
        let disk = SimulatedDisk(blockSize: 16, blockCount: 4096)
        let cache = BufferCache(device: disk, capacity: 1024)
        for _ in 0 ..< 3 {
            for block in stride(from: UInt64(0), to: 4096, by: 4) { _ = try cache.read(BlockNumber(block)) }
        }
        #expect(cache.statistics.misses == 1024)
        #expect(cache.statistics.hits == 2048)
        #expect(cache.statistics.evictions == 0)
        _ = try cache.read(BlockNumber(1))
        #expect(cache.statistics.evictions == 1)
        #expect(cache.statistics.cachedBlocks == 1024)
    }
}
