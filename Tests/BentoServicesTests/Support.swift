import BentoServices
import Foundation

/// A block of `size` bytes all equal to `value`.
func filled(_ value: UInt8, _ size: Int = 16) -> [UInt8] { [UInt8](repeating: value, count: size) }

/// How many times the disk's log wrote each block.
func writeCounts(_ disk: SimulatedDisk) -> [BlockNumber: Int] {
    disk.operations.reduce(into: [:]) { counts, operation in
        if case .write(let block, _) = operation { counts[block, default: 0] += 1 }
    }
}

/// An image built from (block, byte) pairs on a small disk.
func image(_ blocks: [(UInt64, UInt8)], blockSize: Int = 16, blockCount: UInt64 = 8) -> DiskImage {
    var image = DiskImage(blockSize: blockSize, blockCount: blockCount)
    for (block, value) in blocks { image.set(BlockNumber(block), filled(value, blockSize)) }
    return image
}

/// A fresh scratch directory under /tmp, removed by `remove()`.
struct ScratchDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "bento-services-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
