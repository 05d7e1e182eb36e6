import BentoKit

/// Why a request's bytes could not be decoded. The protocol server answers with `errno`: `EINVAL` for
/// malformed bytes, the name's own error for a well-formed but unacceptable name.
public struct DecodeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kinds of malformed input.
    public enum Reason: Sendable, Hashable {
        /// The buffer is shorter than the header or a field the opcode needs.
        case truncated
        /// The header's `len` (or its extension length) disagrees with the buffer.
        case lengthMismatch
        /// A name or path has no terminating NUL inside the request.
        case unterminatedString
        /// A name is empty or holds `/` (file names) or NUL.
        case invalidName
        /// A well-formed name longer than Linux allows: `ENAMETOOLONG` for file names, `ERANGE` for
        /// attribute names (what Linux answers for each).
        case nameTooLong(Errno)
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

    /// The error to answer the request with.
    public var errno: Errno {
        if case .nameTooLong(let errno) = reason { return errno }
        return .invalidArgument
    }

    /// The reason and where it happened, for logs.
    public var description: String { "malformed request: \(reason) at byte \(offset)" }
}
