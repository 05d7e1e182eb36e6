/// A point in time as seconds and nanoseconds since the Unix epoch (`struct timespec`).
public struct Timestamp: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Whole seconds since 1970-01-01T00:00:00Z (negative before).
    public var seconds: Int64
    /// Nanoseconds within the second, 0..<1_000_000_000.
    public var nanoseconds: UInt32

    /// A timestamp; `nanoseconds` is folded into `seconds` when it is a second or more (saturating at the
    /// latest time there is: timestamps come from requests and disks, and must never trap).
    public init(seconds: Int64, nanoseconds: UInt32 = 0) {
        let (sum, overflow) = seconds.addingReportingOverflow(Int64(nanoseconds / 1_000_000_000))
        self.seconds = overflow ? .max : sum
        self.nanoseconds = overflow ? 999_999_999 : nanoseconds % 1_000_000_000
    }

    /// The epoch.
    public static let zero = Timestamp(seconds: 0)

    public static func < (a: Timestamp, b: Timestamp) -> Bool {
        (a.seconds, a.nanoseconds) < (b.seconds, b.nanoseconds)
    }

    public var description: String { "\(seconds).\(nanoseconds)" }
}

/// A source of the current time. File systems take one instead of reading the system clock, so that
/// tests and the in-process driver can control time.
public protocol Clock: Sendable {
    /// The current wall-clock time.
    func now() -> Timestamp
}
