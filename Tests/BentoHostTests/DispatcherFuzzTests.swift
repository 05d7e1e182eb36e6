import BentoHost
import BentoKit
import FUSEWire
import Testing

/// SplitMix64: a small seeded generator, so that a failing run can be replayed.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Valid requests of every group, the seeds the mutations start from (inode 2 is `hello.txt`).
private let seeds: [[UInt8]] = [
    request(.lookup, unique: 2, cString("hello.txt")),
    request(.forget, unique: 4, nodeID: 2, u64(1)),
    request(.batchForget, unique: 6, u32(2) + u32(0) + u64(2) + u64(1) + u64(3) + u64(1)),
    request(.getattr, unique: 8, nodeID: 2, u32(1) + u32(0) + u64(0)),
    request(.setattr, unique: 10, nodeID: 2, u32(0x3F) + [UInt8](repeating: 0, count: 84)),
    request(.readlink, unique: 12, nodeID: 2),
    request(.symlink, unique: 14, cString("l") + cString("target")),
    request(.mknod, unique: 16, u32(0o100644) + u32(0) + u32(0) + u32(0) + cString("n")),
    request(.mkdir, unique: 18, u32(0o755) + u32(0) + cString("d")),
    request(.unlink, unique: 20, cString("gone")),
    request(.rename2, unique: 22, u64(1) + u32(1) + u32(0) + cString("hello.txt") + cString("x")),
    request(.link, unique: 24, u64(2) + cString("hard")),
    request(.open, unique: 26, nodeID: 2, u32(0) + u32(0)),
    request(.read, unique: 28, nodeID: 2, readIn(size: 4096)),
    request(.write, unique: 30, nodeID: 2, u64(0) + u64(3) + u32(4) + u32(0) + u64(0) + u32(0) + u32(0) + [1, 2, 3, 4]),
    request(.statfs, unique: 32),
    request(.release, unique: 34, nodeID: 2, u64(0) + u32(0) + u32(0) + u64(0)),
    request(.fsync, unique: 36, nodeID: 2, u64(0) + u32(1) + u32(0)),
    request(.setxattr, unique: 38, nodeID: 2, u32(2) + u32(0) + cString("user.k") + [9, 9]),
    request(.getxattr, unique: 40, nodeID: 2, u32(64) + u32(0) + cString("user.k")),
    request(.listxattr, unique: 42, nodeID: 2, u32(0) + u32(0)),
    request(.removexattr, unique: 44, nodeID: 2, cString("user.k")),
    request(.flush, unique: 46, nodeID: 2, u64(0) + u64(0) + u64(0)),
    request(.opendir, unique: 48, u32(0) + u32(0)),
    request(.readdir, unique: 50, readIn(size: 4096)),
    request(.readdirplus, unique: 52, readIn(size: 4096)),
    request(.releasedir, unique: 54, u64(0) + u32(0) + u32(0) + u64(0)),
    request(.access, unique: 56, nodeID: 2, u32(4) + u32(0)),
    request(.create, unique: 58, u32(0o1) + u32(0o100644) + u32(0) + u32(0) + cString("c")),
    request(.interrupt, unique: 61, u64(28)),
    request(.fallocate, unique: 62, nodeID: 2, u64(0) + u64(0) + u64(10) + u32(0) + u32(0)),
    request(.lseek, unique: 64, nodeID: 2, u64(0) + u64(0) + u32(3) + u32(0)),
    request(.copyFileRange, unique: 66, nodeID: 2, u64(0) + u64(0) + u64(2) + u64(0) + u64(5) + u64(3) + u64(0)),
    initRequest(unique: 68, flags: kernelOffer),
]

/// One mutation of a seed: flipped bytes, a cut, a lying length, a foreign opcode, junk, a boundary number
/// (`Extremes`) in a field, or pure noise.
private func mutate(_ seed: [UInt8], _ random: inout SplitMix64) -> [UInt8] {
    var bytes = seed
    func put(_ value: UInt32, at offset: Int) {
        guard bytes.count >= offset + 4 else { return }
        bytes.replaceSubrange(offset..<(offset + 4), with: u32(value))
    }
    switch Int.random(in: 0..<9, using: &random) {
    case 0:  // flip a few bytes anywhere
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            bytes[Int.random(in: 0..<bytes.count, using: &random)] ^= UInt8.random(in: 1...255, using: &random)
        }
    case 1:  // cut short, keeping len
        bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &random)))
    case 2:  // cut short and make len agree
        bytes = Array(bytes.prefix(Int.random(in: 16..<bytes.count, using: &random)))
        put(UInt32(bytes.count), at: 0)
    case 3:  // lie about len
        put(UInt32.random(in: 0...UInt32(bytes.count * 2), using: &random), at: 0)
    case 4:  // another opcode over this body
        put(UInt32.random(in: 0...64, using: &random), at: 4)
    case 5:  // junk appended, len agreeing, or extensions announced
        bytes += (0..<Int.random(in: 1...64, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
        put(UInt32(bytes.count), at: 0)
        if Bool.random(using: &random) { bytes[36] = UInt8.random(in: 0...16, using: &random) }
    case 6:  // flip bytes of the body only, len agreeing
        for _ in 0..<Int.random(in: 1...8, using: &random) where bytes.count > 40 {
            bytes[Int.random(in: 40..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
        }
    case 7:  // a boundary number over an 8- or 4-byte field of the body (offsets, sizes, handles, modes)
        guard bytes.count >= 48 else { break }
        let field = 40 + 4 * Int.random(in: 0...((bytes.count - 48) / 4), using: &random)
        let value = Extremes.u64.randomElement(using: &random) ?? 0
        bytes.replaceSubrange(field..<(field + 8), with: u64(value))
    default:  // noise with a plausible header
        bytes = (0..<Int.random(in: 0...200, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
        put(UInt32(bytes.count), at: 0)
        put(UInt32.random(in: 0...50, using: &random), at: 4)
    }
    return bytes
}

@Suite struct DispatcherFuzzTests {
    @Test func randomAndMutatedRequestsNeverBreakTheServer() throws {
        let dispatcher = Dispatcher.started()
        var random = SplitMix64(state: 0xB3E7_0F05)
        var problems: [String] = []
        for iteration in 0..<100_000 {
            let bytes = mutate(seeds[Int.random(in: 0..<seeds.count, using: &random)], &random)
            let peeked = bytes.withUnsafeBytes { RequestHeader.peek($0) }
            // DESTROY ends the session by design (its own test covers it); keep the session alive here.
            if peeked?.opcode == Opcode.destroy.rawValue { continue }
            guard let reply = dispatcher.handle(bytes) else { continue }
            if !reply.isWellFormed(for: bytes), problems.count < 5 { problems.append("iteration \(iteration): \(bytes)") }
        }
        #expect(problems.isEmpty, "\(problems)")

        #expect(!dispatcher.isDestroyed)
        let lookup = try #require(dispatcher.reply(request(.lookup, unique: 1_000_002, cString("slow"))))
        #expect(lookup.error == 0 && lookup.unique == 1_000_002 && lookup.u64(at: 0) == 3)
        let root = try #require(dispatcher.reply(request(.getattr, unique: 1_000_004, u32(0) + u32(0) + u64(0))))
        #expect(root.error == 0 && root.u64(at: 16) == 1 && root.u32(at: 16 + 60) == 0o40755)  // attr.ino, attr.mode
    }
}
