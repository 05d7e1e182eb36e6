/// A block's index on a device (block `n` starts at byte `n × blockSize`).
public struct BlockNumber: RawRepresentable, Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The index.
    public var rawValue: UInt64

    /// The block at index `rawValue`.
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// The block at index `rawValue`.
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    /// Orders blocks by index.
    public static func < (lhs: BlockNumber, rhs: BlockNumber) -> Bool { lhs.rawValue < rhs.rawValue }

    /// `block N`, for messages.
    public var description: String { "block \(rawValue)" }

    /// The block `count` places further on, or nil past `UInt64.max`.
    public func advanced(by count: UInt64) -> BlockNumber? {
        let (sum, overflow) = rawValue.addingReportingOverflow(count)
        return overflow ? nil : BlockNumber(sum)
    }
}
