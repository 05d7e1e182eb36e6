import BentoKit
import Testing
@testable import XV6FS

/// The directory index's free-space lookup: a block it offers always has the room asked for, a block with room is
/// always found, and the answer follows every change of a block's free space.
@Suite struct DirectoryIndexTests {
    /// A block holding one record of `used` bytes (name of `used - 8` bytes) and a free run of the rest.
    static func records(freeRun: Int) -> [DirectoryRecord] {
        let used = Format.blockSize - freeRun
        return [DirectoryRecord(offset: 0, inode: 7, length: Format.blockSize, type: 8,
                                name: [UInt8](repeating: 0x61, count: used - DirectoryRecord.headerSize))]
    }

    @Test func aBlockOfferedHasTheRoomAskedForAndOneWithRoomIsAlwaysFound() {
        var index = DirectoryIndex()
        let runs = [16, 24, 64, 96, 120, 128, 504, 1000, 4000]  // whole records: multiples of 8
        for (block, run) in runs.enumerated() { index.setRoom(block: UInt32(block), records: Self.records(freeRun: run)) }
        for size in stride(from: 16, through: 4096, by: 8) {
            let offered = index.block(withRoom: size)
            if let offered {
                #expect(runs[Int(offered)] >= size, "size \(size): block \(offered) has \(runs[Int(offered)])")
            } else {
                #expect(!runs.contains { $0 >= size }, "size \(size): a block has room but none was offered")
            }
        }
        // A block filling up leaves the answer; one emptying joins it.
        index.setRoom(block: 8, records: Self.records(freeRun: 16))
        #expect(index.block(withRoom: 1001) == nil)
        #expect(index.block(withRoom: 600) == 7)  // 1,000 bytes: the only block left with 600
        index.setRoom(block: 2, records: Self.records(freeRun: 3000))
        #expect(index.block(withRoom: 1001) == 2)
    }
}
