#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The machine's wall clock, for file systems running for real (tests pass their own `Clock`).
///
/// Read through Foundation's `Date` (BentoKit makes no system calls), whose `Double` keeps about a quarter of a
/// microsecond of precision at today's dates; the nanoseconds are that value split off exactly, never rounded up
/// into the next second.
public struct SystemClock: Clock {
    /// The system clock.
    public init() {}

    /// The current wall-clock time.
    public func now() -> Timestamp {
        let sinceEpoch = Date().timeIntervalSince1970
        let seconds = sinceEpoch.rounded(.down)
        let fraction = ((sinceEpoch - seconds) * 1_000_000_000).rounded(.down)
        return Timestamp(seconds: Int64(seconds), nanoseconds: UInt32(min(max(fraction, 0), 999_999_999)))
    }
}
