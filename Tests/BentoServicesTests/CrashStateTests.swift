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

    /// Images compare by contents, however they were built: overwritten, zeroed again, set in another order;
    /// equal images hash alike, and one changed byte (or a block moved) makes them differ.
    @Test func imagesAreEqualByContentsWhateverTheirHistory() {
        var rewritten = image([(3, 0x1), (0, 0xD), (5, 0x7)])
        rewritten.set(BlockNumber(3), filled(0x2))
        rewritten.set(BlockNumber(5), filled(0))
        let direct = image([(0, 0xD), (3, 0x2)])
        #expect(rewritten == direct && rewritten.hashValue == direct.hashValue)
        var oneByte = direct
        oneByte.set(BlockNumber(3), filled(0x2).enumerated().map { $0.offset == 15 ? 0x3 : $0.element })
        #expect(oneByte != direct)
        #expect(image([(0, 0xD), (4, 0x2)]) != direct)
        #expect(image([(0, 0xD), (3, 0x2)], blockCount: 9) != direct)
        #expect(Set([rewritten, direct, oneByte]).count == 2)
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

    /// Twelve unflushed writes to distinct blocks: 4096 subsets, all distinct images.
    private func diskWithTwelveUnflushedWrites() throws -> SimulatedDisk {
        let disk = SimulatedDisk(blockSize: 16, blockCount: 16)
        try disk.flush()
        for block in 0 ..< UInt64(12) { try disk.write(BlockNumber(block), filled(UInt8(block + 1))) }
        return disk
    }

    @Test func tooManySubsetsAreSampledUpToTheLimitReproducibly() throws {
        let disk = try diskWithTwelveUnflushedWrites()
        #expect(disk.crashStates(limit: 5000).count == 4096)
        let sample = disk.crashStates(limit: 100, seed: 7)
        #expect(sample.count == 100)
        #expect(Set(sample.map(\.image)).count == 100)
        #expect(sample[0].landedWrites == [])
        #expect(sample[1].landedWrites == Array(0 ..< 12))
        for state in sample {
            for block in 0 ..< UInt64(12) {
                let landed = state.landedWrites.contains(Int(block))
                #expect(state.image[BlockNumber(block)] == filled(landed ? UInt8(block + 1) : 0))
            }
        }
        #expect(disk.crashStates(limit: 100, seed: 7) == sample)
        #expect(disk.crashStates(limit: 100, seed: 8) != sample)
    }

    @Test func tooManyPrefixesAreSampledUpToTheLimit() throws {
        let disk = try diskWithTwelveUnflushedWrites()
        #expect(disk.crashStates(.prefixes).count == 13)
        let sample = disk.crashStates(.prefixes, limit: 5, seed: 1)
        #expect(sample.count == 5)
        #expect(sample[0].landedWrites == [])
        #expect(sample[1].landedWrites == Array(0 ..< 12))
        #expect(sample.allSatisfy { $0.landedWrites == Array(0 ..< $0.landedWrites.count) })
    }
}
