import BentoServices
import Testing

@Suite struct CrashStateTests {
    /// Durable {0: D}; then A to block 1, B to block 2, A' to block 1.
    private func diskWithThreeUnflushedWrites() throws -> SimulatedDisk {
        let disk = SimulatedDisk(blockSize: 16, blockCount: 8)
        try disk.write(BlockNumber(0), filled(0xD))
        try disk.flush()
        try disk.write(BlockNumber(1), filled(0xA))
        try disk.write(BlockNumber(2), filled(0xB))
        try disk.write(BlockNumber(1), filled(0xAA))
        return disk
    }

    @Test func anySubsetOfTheWritesAfterTheLastFlushMayLand() throws {
        let states = try diskWithThreeUnflushedWrites().crashStates()
        // 8 subsets, 6 distinct images: {A, A'} = {A'} and {A, B, A'} = {B, A'}.
        let expected: Set<DiskImage> = [
            image([(0, 0xD)]),
            image([(0, 0xD), (1, 0xA)]),
            image([(0, 0xD), (2, 0xB)]),
            image([(0, 0xD), (1, 0xAA)]),
            image([(0, 0xD), (1, 0xA), (2, 0xB)]),
            image([(0, 0xD), (1, 0xAA), (2, 0xB)]),
        ]
        #expect(states.count == 6)
        #expect(Set(states.map(\.image)) == expected)
        #expect(states.first?.landedWrites == [])
    }

    @Test func prefixModeKeepsOnlyInOrderStates() throws {
        let states = try diskWithThreeUnflushedWrites().crashStates(.prefixes)
        #expect(states.map(\.image) == [
            image([(0, 0xD)]),
            image([(0, 0xD), (1, 0xA)]),
            image([(0, 0xD), (1, 0xA), (2, 0xB)]),
            image([(0, 0xD), (1, 0xAA), (2, 0xB)]),
        ])
        #expect(states.map(\.landedWrites) == [[], [0], [0, 1], [0, 1, 2]])
    }

    @Test func aFlushMakesEverythingBeforeItDurable() throws {
        let disk = try diskWithThreeUnflushedWrites()
        try disk.flush()
        #expect(disk.crashStates().map(\.image) == [image([(0, 0xD), (1, 0xAA), (2, 0xB)])])
    }
}
