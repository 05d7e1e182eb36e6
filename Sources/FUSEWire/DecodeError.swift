/// Why a request's bytes could not be decoded. The protocol server answers every one of them `EINVAL`.
public struct DecodeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kinds of malformed input.
    public enum Reason: Sendable, Hashable {
        /// The buffer is shorter than the header or a field the opcode needs.
        case truncated
        /// The header's `len` (or its extension length) disagrees with the buffer.
        case lengthMismatch
        /// A name or path has no terminating NUL inside the request.
        case unterminatedString
        /// A name is empty, too long, or holds `/` (file names) or NUL.
        case invalidName
        /// A field holds a value the protocol does not allow (nanoseconds ≥ 10⁹, an unknown `whence`, ...).
        case invalidValue
    }

    /// What is wrong.
    public let reason: Reason
    /// The byte offset in the request where decoding stopped.
    public let offset: Int

    /// An error of the given kind at `offset`.
    public init(_ reason: Reason, at offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    /// The reason and where it happened, for logs.
    public var description: String { "malformed request: \(reason) at byte \(offset)" }
}
