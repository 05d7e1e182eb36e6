/// Crash-state enumeration: the disk images a power loss at this moment could leave.
///
/// Every write up to the last flush is durable. Each write after it may or may not have reached the disk,
/// independently of the others — including repeated writes to one block, where a later write may have landed
/// while an earlier one did not. A state is the durable image with a subset of the unflushed writes applied in
/// issue order (`.anySubset`), or only a prefix of them (`.prefixes`: an in-order disk, fewer states). States are
/// distinct images: subsets that produce the same contents appear once, as the first subset found.
///
/// The cap: `n` unflushed writes give `2ⁿ` subsets (`n + 1` prefixes). When that exceeds `limit`, the result is
/// a sample of at most `limit` distinct states: nothing landed, everything landed, then subsets (or prefix
/// lengths) drawn from a generator seeded with `seed` — the same disk, limit and seed give the same sample.
extension SimulatedDisk {
    /// The distinct images a crash now could leave (see the extension's comment for the model and the cap).
    public func crashStates(_ order: CrashOrder = .anySubset, limit: Int = 1024, seed: UInt64 = 0) -> [CrashState] {
        let (durable, writes) = state.withLock { ($0.durable, $0.unflushed) }
        var enumeration = CrashEnumeration(durable: durable, writes: writes, limit: max(limit, 1))
        let count = writes.count
        switch order {
        case .prefixes where count + 1 <= enumeration.limit:
            for length in 0 ... count { enumeration.add(Array(0 ..< length)) }
        case .anySubset where count < 62 && (1 << count) <= enumeration.limit:
            for mask in 0 ..< (1 << count) { enumeration.add((0 ..< count).filter { mask & (1 << $0) != 0 }) }
        case .prefixes, .anySubset:
            var random = SplitMix64(seed: seed)
            enumeration.add([])
            enumeration.add(Array(0 ..< count))
            var attempts = 0
            while !enumeration.isFull, attempts < enumeration.limit * 8 {
                attempts += 1
                if order == .prefixes {
                    enumeration.add(Array(0 ..< Int(random.next() % UInt64(count + 1))))
                } else {
                    enumeration.add((0 ..< count).filter { _ in random.next() & 1 == 1 })
                }
            }
        }
        return enumeration.states
    }
}

/// Which subsets of the unflushed writes a crash may keep.
public enum CrashOrder: Sendable, Hashable {
    /// Any subset: the disk may reorder writes between flushes (real disks do).
    case anySubset
    /// Only the first `k` writes, for every `k`: a disk that writes in order.
    case prefixes
}

/// One image a crash could leave, and which unflushed writes made it.
public struct CrashState: Sendable, Hashable {
    /// The disk contents after the crash.
    public var image: DiskImage
    /// Positions in `SimulatedDisk.unflushedWrites` of the writes that landed, ascending.
    public var landedWrites: [Int]
}

/// Builds the distinct states, up to the limit.
private struct CrashEnumeration {
    let durable: DiskImage
    let writes: [DiskWrite]
    let limit: Int
    var states: [CrashState] = []
    /// The images found so far (hashing one is cheap: `DiskImage` keeps a fingerprint).
    var seen: Set<DiskImage> = []

    init(durable: DiskImage, writes: [DiskWrite], limit: Int) {
        self.durable = durable
        self.writes = writes
        self.limit = limit
    }

    var isFull: Bool { states.count >= limit }

    /// Adds the state where exactly the writes at `landed` (ascending) reached the disk, unless it is known.
    mutating func add(_ landed: [Int]) {
        guard !isFull else { return }
        var image = durable
        for index in landed { image.set(writes[index].block, writes[index].bytes) }
        guard seen.insert(image).inserted else { return }
        states.append(CrashState(image: image, landedWrites: landed))
    }
}

/// A small seeded generator (SplitMix64) so samples repeat exactly from run to run.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
