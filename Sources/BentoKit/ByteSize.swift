/// Sizes as people write them on command lines and in mount options: `4096`, `512K`, `256M`, `8G`, `1T`
/// (binary units, either case).
public enum ByteSize {
    /// Why a size did not parse, in words for the user.
    public struct ParseError: Error, CustomStringConvertible, Sendable, Hashable {
        /// What is wrong, with an example of a size that works.
        public let description: String
    }

    /// The bytes `text` names; a bare number counts `bareUnit` bytes each. Zero, junk and sizes past 2⁶⁴ − 1
    /// are refused.
    public static func parse(_ text: String, bareUnit: UInt64 = 1) throws(ParseError) -> UInt64 {
        let units: [Character: UInt64] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
        let upper = text.uppercased()
        let (digits, unit) = upper.last.flatMap { units[$0] }.map { (String(upper.dropLast()), $0) } ?? (upper, bareUnit)
        guard let value = UInt64(digits), value > 0 else { throw ParseError(description: "'\(text)' is not a size (try 256M)") }
        let (bytes, overflow) = value.multipliedReportingOverflow(by: unit)
        guard !overflow else { throw ParseError(description: "'\(text)' is too large a size") }
        return bytes
    }
}
