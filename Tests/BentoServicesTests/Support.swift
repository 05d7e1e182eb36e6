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

/// Runs `body(index)` on `count` new threads at once and waits for all of them.
func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let group = DispatchGroup()
    for index in 0 ..< count {
        group.enter()
        let thread = Thread {
            body(index)
            group.leave()
        }
        thread.start()
    }
    group.wait()
}

/// A device that sleeps before each read, so concurrent requests overlap with a read in flight.
final class SlowDevice: BlockDevice {
    let disk: SimulatedDisk
    let delay: TimeInterval
    var blockSize: Int { disk.blockSize }
    var blockCount: UInt64 { disk.blockCount }

    init(_ disk: SimulatedDisk, delay: TimeInterval) {
        self.disk = disk
        self.delay = delay
    }

    func read(_ block: BlockNumber) throws(Errno) -> [UInt8] {
        Thread.sleep(forTimeInterval: delay)
        return try disk.read(block)
    }

    func write(_ block: BlockNumber, _ bytes: [UInt8]) throws(Errno) { try disk.write(block, bytes) }

    func flush() throws(Errno) { try disk.flush() }
}
