import BentoServices
import Testing

@Suite struct FaultInjectionTests {
    @Test func anInjectedReadErrorSurfacesFromTheCacheAndTheNextReadRetries() throws {
        let disk = SimulatedDisk(blockSize: 16, blockCount: 8)
        try disk.write(BlockNumber(2), filled(2))
        let cache = BufferCache(device: disk, capacity: 8)
        disk.failRead()
        #expect(throws: Errno.ioError) { _ = try cache.read(BlockNumber(2)) }
        let bytes = try cache.read(BlockNumber(2)).bytes
        #expect(bytes == filled(2))
    }

    @Test func theNthReadFails() throws {
        let disk = SimulatedDisk(blockSize: 16, blockCount: 8)
        disk.failRead(3)
        _ = try disk.read(BlockNumber(0), count: 2)
        #expect(throws: Errno.ioError) { try disk.read(BlockNumber(0)) }
        _ = try disk.read(BlockNumber(0))
    }

    @Test func anInjectedWriteErrorSurfacesFromSyncAndTheBufferStaysDirty() throws {
        let disk = SimulatedDisk(blockSize: 16, blockCount: 8)
        let cache = BufferCache(device: disk, capacity: 8)
        var buffer = try cache.read(BlockNumber(1))
        buffer.store(UInt8(9), at: 0)
        buffer.release()
        disk.failWrite()
        #expect(throws: Errno.ioError) { try cache.sync() }
        #expect(disk.operations.isEmpty)
        try cache.sync()
        #expect(writeCounts(disk) == [BlockNumber(1): 1])
        #expect(cache.statistics.writebacks == 1)
    }

    @Test func aFailedEvictionWriteBackSurfacesFromRead() throws {
        let disk = SimulatedDisk(blockSize: 16, blockCount: 64)
        let cache = BufferCache(device: disk, capacity: 8)
        for block in 0 ..< UInt64(8) {
            var buffer = try cache.read(BlockNumber(block))
            buffer.store(UInt8(1), at: 0)
        }
        disk.failWrite()
        #expect(throws: Errno.ioError) { _ = try cache.read(BlockNumber(20)) }
        _ = try cache.read(BlockNumber(20))
        try cache.sync()
        #expect(writeCounts(disk).count == 8)
        #expect(writeCounts(disk).values.allSatisfy { $0 == 1 })
    }

    @Test func writesFailWithNoSpaceAfterTheBudget() throws {
        let disk = SimulatedDisk(blockSize: 16, blockCount: 8)
        let cache = BufferCache(device: disk, capacity: 8)
        for block in 0 ..< UInt64(3) {
            var buffer = try cache.zeroed(BlockNumber(block))
            buffer.store(UInt8(block + 1), at: 0)
        }
        disk.failWritesWithNoSpace(afterBlocks: 2)
        #expect(throws: Errno.noSpace) { try cache.sync() }
        #expect(writeCounts(disk).count == 2)
        #expect(throws: Errno.noSpace) { try disk.write(BlockNumber(7), filled(7)) }
        disk.clearFaults()
        try cache.sync()
        #expect(writeCounts(disk).count == 3)
    }

    @Test func aCrashLosesTheWritesAfterTheLastFlush() throws {
        let disk = SimulatedDisk(blockSize: 16, blockCount: 8)
        try disk.write(BlockNumber(0), filled(1))
        try disk.flush()
        try disk.write(BlockNumber(0), filled(2))
        try disk.write(BlockNumber(1), filled(3))
        disk.crash()
        #expect(try disk.read(BlockNumber(0)) == filled(1))
        #expect(try disk.read(BlockNumber(1)) == filled(0))
        #expect(disk.operations == [.write(BlockNumber(0), filled(1)), .flush])
        #expect(disk.unflushedWrites.isEmpty)
    }
}
