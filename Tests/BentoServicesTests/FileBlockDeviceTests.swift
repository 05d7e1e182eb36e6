import BentoServices
import Testing

@Suite struct FileBlockDeviceTests {
    @Test func blocksWrittenToAnImageAreReadBack() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let device = try FileBlockDevice.create(path: scratch.file("image"), size: 64 * 4096)
        #expect(device.blockCount == 64)
        try device.write(BlockNumber(5), filled(0x55, 4096))
        try device.write(startingAt: BlockNumber(10), filled(1, 4096) + filled(2, 4096))
        try device.flush()
        #expect(try device.read(BlockNumber(5)) == filled(0x55, 4096))
        #expect(try device.read(BlockNumber(10), count: 2) == filled(1, 4096) + filled(2, 4096))
        #expect(try device.read(BlockNumber(0)) == filled(0, 4096))
    }
}
