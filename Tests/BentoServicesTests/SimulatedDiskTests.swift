import BentoServices
import Testing

@Suite struct SimulatedDiskTests {
    @Test func writesAreReadBackAndLoggedInOrder() throws {
        let disk = SimulatedDisk(blockSize: 16, blockCount: 8)
        try disk.write(BlockNumber(3), filled(7))
        try disk.flush()
        try disk.write(startingAt: BlockNumber(1), filled(1) + filled(2))
        #expect(try disk.read(BlockNumber(3)) == filled(7))
        #expect(try disk.read(BlockNumber(1), count: 3) == filled(1) + filled(2) + filled(7))
        #expect(try disk.read(BlockNumber(0)) == filled(0))
        #expect(disk.operations == [.write(BlockNumber(3), filled(7)), .flush,
                                    .write(BlockNumber(1), filled(1)), .write(BlockNumber(2), filled(2))])
        #expect(disk.durableImage == image([(3, 7)]))
        #expect(disk.currentImage == image([(1, 1), (2, 2), (3, 7)]))
    }

    @Test func badArgumentsAreErrorsNotTraps() {
        let disk = SimulatedDisk(blockSize: 16, blockCount: 8)
        #expect(throws: Errno.noSuchAddressOrDevice) { try disk.read(BlockNumber(8)) }
        #expect(throws: Errno.noSuchAddressOrDevice) { try disk.read(BlockNumber(6), count: 3) }
        #expect(throws: Errno.noSuchAddressOrDevice) { try disk.read(BlockNumber(UInt64.max), count: 2) }
        #expect(throws: Errno.invalidArgument) { try disk.write(BlockNumber(0), filled(1, 15)) }
        #expect(throws: Errno.invalidArgument) { try disk.write(startingAt: BlockNumber(0), filled(1, 24)) }
        #expect(throws: Errno.invalidArgument) { try disk.write(startingAt: BlockNumber(0), []) }
        #expect(throws: Errno.noSuchAddressOrDevice) { try disk.write(startingAt: BlockNumber(7), filled(1, 32)) }
        #expect(disk.operations.isEmpty)
    }

    @Test func aSnapshotStartsANewDiskWithTheSameContents() throws {
        let disk = SimulatedDisk(blockSize: 16, blockCount: 8)
        try disk.write(BlockNumber(5), filled(9))
        let copy = SimulatedDisk(image: disk.snapshot())
        #expect(try copy.read(BlockNumber(5)) == filled(9))
        #expect(copy.operations.isEmpty)
        #expect(copy.durableImage == copy.currentImage)
    }
}
