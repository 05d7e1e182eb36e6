import FUSEWire
import Synchronization

/// How long the daemon took to serve each request, per opcode, for `bento stats`: from the request's arrival in
/// the dispatcher to its reply being ready (the file system's work and the host's decoding and encoding; not the
/// kernel's queueing or the transport).
///
/// A log-scale histogram of relaxed atomic counters per opcode — four buckets per doubling, so a bucket is at most
/// 19 % wide, from 4 ns up to about 9 minutes (longer ones count in the last bucket) — and the longest one seen.
/// Recording is two clock reads and two atomic operations (about 0.1 µs against the ~20 µs of a round trip
/// here); percentiles are read from the histogram and given as their bucket's upper bound.
final class RequestLatencies: Sendable {
    /// Buckets per opcode: values 0–3 ns, then four per doubling from 4 ns (2²) to 2³⁹ ns.
    static let bucketsPerOpcode = 160
    /// Opcode slots (as `RequestCounters`: slot n counts opcode n; 0 holds unknown opcodes).
    static let opcodeSlots = 64

    private let buckets = InlineArray<10_240, Atomic<UInt64>> { _ in Atomic(0) }
    private let maxima = InlineArray<64, Atomic<UInt64>> { _ in Atomic(0) }

    init() {
        precondition(Self.opcodeSlots * Self.bucketsPerOpcode == buckets.count && Self.opcodeSlots == maxima.count)
        precondition(Int(Opcode.largestRawValue) < Self.opcodeSlots, "RequestLatencies has no slot for every opcode")
    }

    /// The bucket a duration of `nanoseconds` counts in.
    static func bucket(of nanoseconds: UInt64) -> Int {
        guard nanoseconds >= 4 else { return Int(nanoseconds) }
        let exponent = 63 - nanoseconds.leadingZeroBitCount  // ≥ 2
        let quarter = Int((nanoseconds >> UInt64(exponent - 2)) & 3)
        return min(exponent * 4 + quarter, bucketsPerOpcode - 1)
    }

    /// The largest duration bucket `index` holds, in nanoseconds.
    static func upperBound(of index: Int) -> UInt64 {
        guard index >= 8 else { return UInt64(index) }
        let exponent = index / 4, quarter = UInt64(index % 4)
        return (UInt64(1) << UInt64(exponent)) + (quarter + 1) * (UInt64(1) << UInt64(exponent - 2)) - 1
    }

    /// Records one request of opcode number `opcode` (0 for one Bento does not know) that took `nanoseconds`.
    func record(_ opcode: UInt32, nanoseconds: UInt64) {
        let slot = RequestCounters.slot(opcode)
        buckets[slot * Self.bucketsPerOpcode + Self.bucket(of: nanoseconds)].wrappingAdd(1, ordering: .relaxed)
        var seen = maxima[slot].load(ordering: .relaxed)
        while nanoseconds > seen {
            let (exchanged, current) = maxima[slot].compareExchange(expected: seen, desired: nanoseconds, ordering: .relaxed)
            if exchanged { break }
            seen = current
        }
    }

    /// The `fraction` (0.5 for the median) percentile of `opcode`'s durations in nanoseconds, as its bucket's
    /// upper bound, never above the longest seen; nil before any request of it.
    func percentile(_ fraction: Double, of opcode: Opcode) -> UInt64? {
        let base = Int(opcode.rawValue) * Self.bucketsPerOpcode
        let counts = (0..<Self.bucketsPerOpcode).map { buckets[base + $0].load(ordering: .relaxed) }
        let total = counts.reduce(0, +)
        guard total > 0 else { return nil }
        let rank = max(1, UInt64((Double(total) * fraction).rounded(.up)))
        var seen: UInt64 = 0
        for (index, count) in counts.enumerated() {
            seen += count
            if seen >= rank { return min(Self.upperBound(of: index), longest(of: opcode)) }
        }
        return longest(of: opcode)
    }

    /// The longest duration of `opcode` seen, in nanoseconds (0 before any).
    func longest(of opcode: Opcode) -> UInt64 { maxima[Int(opcode.rawValue)].load(ordering: .relaxed) }
}
