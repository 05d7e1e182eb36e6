// Throughput of the buffer cache and of FileBlockDevice, for bench/services.sh (which runs fio next to it).
//
//   ServicesBenchmark cache [SECONDS]
//       buffer-cache read/release per second: hits (1 and 2 threads), misses (every read evicts)
//   ServicesBenchmark device IMAGE read|write|randread|randwrite DIRECT(0|1) SECONDS
//       4 KiB transfers on FileBlockDevice, time-based like fio's; prints "MB/s IOPS"
//
// Not a test: it prints figures and asserts nothing.

import BentoServices
import Foundation
import Synchronization

/// A device whose blocks are all zeros and whose writes vanish: the cache's own cost, without storage.
final class ZeroDevice: BlockDevice {
    let blockSize = 4096
    let blockCount: UInt64 = 1 << 20
    func read(_ block: BlockNumber) throws(Errno) -> [UInt8] { [UInt8](repeating: 0, count: blockSize) }
    func write(_ block: BlockNumber, _ bytes: [UInt8]) throws(Errno) {}
    func flush() throws(Errno) {}
}

/// Runs `step(iteration)` on `threads` threads for `seconds` and returns the total steps per second.
func rate(threads: Int, seconds: Double, _ step: @escaping @Sendable (Int, UInt64) throws -> Void) -> Double {
    let total = Atomic<Int>(0)
    let clock = ContinuousClock()
    let start = clock.now
    let deadline = start + .milliseconds(Int(seconds * 1000))
    let group = DispatchGroup()
    for thread in 0 ..< threads {
        group.enter()
        Thread {
            var count: UInt64 = 0
            while clock.now < deadline {
                for _ in 0 ..< 256 {
                    try! step(thread, count)
                    count += 1
                }
            }
            total.add(Int(count), ordering: .relaxed)
            group.leave()
        }.start()
    }
    group.wait()
    let elapsed = clock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    return Double(total.load(ordering: .relaxed)) / seconds
}

func benchmarkCache(seconds: Double) {
    let hot = BufferCache(device: ZeroDevice(), capacity: 1024)
    for block in 0 ..< UInt64(1024) { _ = try! hot.read(BlockNumber(block)) }
    for threads in [1, 2] {
        let perSecond = rate(threads: threads, seconds: seconds) { thread, index in
            let buffer = try hot.read(BlockNumber((index &* 7 &+ UInt64(thread) &* 512) % 1024))
            buffer.release()
        }
        print("cache-hit-\(threads)thread \(Int(perSecond)) ops/s")
    }
    let cold = BufferCache(device: ZeroDevice(), capacity: 64)
    let perSecond = rate(threads: 1, seconds: seconds) { _, index in
        let buffer = try cold.read(BlockNumber(index % 65536))
        buffer.release()
    }
    print("cache-miss-1thread \(Int(perSecond)) ops/s")
    let statistics = hot.statistics
    print("# hot cache: \(statistics.hits) hits, \(statistics.misses) misses; cold cache: \(cold.statistics.evictions) evictions")
}

func benchmarkDevice(image: String, mode: String, direct: Bool, seconds: Double) throws {
    let device = try FileBlockDevice(path: image, direct: direct)
    let blocks = device.blockCount
    let data = [UInt8](repeating: 0xA5, count: device.blockSize)
    let perSecond = rate(threads: 1, seconds: seconds) { _, index in
        // A multiplicative hash of the step: pseudo-random blocks without a getrandom call per transfer.
        let random = ((index &+ 1) &* 0x9E37_79B9_7F4A_7C15 >> 17) % blocks
        switch mode {
        case "read": _ = try device.read(BlockNumber(index % blocks))
        case "write": try device.write(BlockNumber(index % blocks), data)
        case "randread": _ = try device.read(BlockNumber(random))
        case "randwrite": try device.write(BlockNumber(random), data)
        default: fatalError("unknown mode \(mode)")
        }
    }
    let megabytes = perSecond * Double(device.blockSize) / 1_048_576
    print(String(format: "%.1f %.0f", megabytes, perSecond))
}

let arguments = CommandLine.arguments
switch arguments.count > 1 ? arguments[1] : "" {
case "cache":
    benchmarkCache(seconds: arguments.count > 2 ? Double(arguments[2]) ?? 2 : 2)
case "device" where arguments.count == 6:
    try benchmarkDevice(image: arguments[2], mode: arguments[3], direct: arguments[4] == "1", seconds: Double(arguments[5]) ?? 3)
default:
    print("usage: ServicesBenchmark cache [SECONDS] | device IMAGE read|write|randread|randwrite 0|1 SECONDS")
    exit(2)
}
