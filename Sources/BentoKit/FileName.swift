/// One component of a path: validated bytes with no `/`, no NUL, not empty and at most 255 bytes (`NAME_MAX`).
///
/// Names are bytes, not `String`s: Linux allows any byte sequence, and a file system must give back exactly
/// the bytes it was given.
public struct FileName: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The longest name Linux allows (`NAME_MAX`).
    public static let maximumLength = 255

    /// The name's bytes, without a terminating NUL.
    public let bytes: [UInt8]

    /// Validates `bytes` as a single path component; throws `EINVAL` for an empty name, `/` or NUL,
    /// and `ENAMETOOLONG` past 255 bytes.
    public init(validating bytes: some Collection<UInt8>) throws(Errno) {
        guard !bytes.isEmpty, !bytes.contains(0), !bytes.contains(UInt8(ascii: "/")) else {
            throw .invalidArgument
        }
        guard bytes.count <= Self.maximumLength else { throw .fileNameTooLong }
        self.bytes = Array(bytes)
    }

    /// Validates a Swift string's UTF-8 bytes as a name.
    public init(_ string: String) throws(Errno) {
        try self.init(validating: Array(string.utf8))
    }

    /// `.`, the directory itself.
    public static let dot = FileName(trusted: [UInt8(ascii: ".")])
    /// `..`, the parent directory.
    public static let dotDot = FileName(trusted: [UInt8(ascii: "."), UInt8(ascii: ".")])

    private init(trusted bytes: [UInt8]) { self.bytes = bytes }

    /// True for `.` and `..`.
    public var isDotOrDotDot: Bool { self == .dot || self == .dotDot }

    public static func < (a: FileName, b: FileName) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }

    /// The name decoded as UTF-8, with invalid bytes repaired; for messages, not for identity.
    public var description: String { String(decoding: bytes, as: UTF8.self) }
}

/// The name of an extended attribute (`user.comment`, `security.selinux`): non-empty, no NUL, at most 255 bytes.
public struct XattrName: Sendable, Hashable, CustomStringConvertible {
    /// The longest attribute name Linux allows (`XATTR_NAME_MAX`).
    public static let maximumLength = 255

    /// The name's bytes, without a terminating NUL.
    public let bytes: [UInt8]

    /// Validates `bytes`; throws `ERANGE` past 255 bytes (as Linux does) and `EINVAL` when empty or holding NUL.
    public init(validating bytes: some Collection<UInt8>) throws(Errno) {
        guard !bytes.isEmpty, !bytes.contains(0) else { throw .invalidArgument }
        guard bytes.count <= Self.maximumLength else { throw .outOfRange }
        self.bytes = Array(bytes)
    }

    /// Validates a Swift string's UTF-8 bytes as an attribute name.
    public init(_ string: String) throws(Errno) {
        try self.init(validating: Array(string.utf8))
    }

    /// The namespace prefix (`user`, `trusted`, `security`, `system`), or nil when the name has no dot.
    public var namespace: String? {
        guard let dot = bytes.firstIndex(of: UInt8(ascii: ".")) else { return nil }
        return String(decoding: bytes[..<dot], as: UTF8.self)
    }

    public var description: String { String(decoding: bytes, as: UTF8.self) }
}
