#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemPackage

/// An open host file descriptor that closes itself when the last reference to it goes away.
///
/// Ownership is the reference count: a cache may drop a descriptor while an operation still uses it, and the
/// descriptor stays open until that operation is done too. The number is immutable, so sharing is safe.
public final class HostDescriptor: Sendable, CustomStringConvertible {
    /// The raw descriptor number (for messages and `/proc/self/fd` paths; not for closing).
    public let rawValue: CInt

    /// Takes ownership of an open descriptor.
    init(owning rawValue: CInt) { self.rawValue = rawValue }

    deinit { close(rawValue) }

    /// Opens `path` (relative paths from the working directory) with raw `open(2)` flags; close-on-exec is added.
    /// A file made by `O_CREAT` gets `mode` (less the umask).
    public convenience init(opening path: String, flags: CInt, mode: mode_t = 0o644) throws(Errno) {
        let descriptor = try systemCall { Glibc.open(path, flags | O_CLOEXEC, mode) }
        self.init(owning: descriptor)
    }

    /// Opens the object this descriptor names: a directory for reading, a file for I/O, through its
    /// `/proc/self/fd` link (which also works for `O_PATH` descriptors). Raw `open(2)` flags.
    public func reopen(flags: CInt) throws(Errno) -> HostDescriptor {
        let path = procPath
        let openFlags: CInt = (flags & ~(O_CREAT | O_EXCL | O_NOFOLLOW)) | O_CLOEXEC
        let descriptor = try systemCall { Glibc.open(path, openFlags) }
        return HostDescriptor(owning: descriptor)
    }

    /// The `/proc/self/fd/N` path that names this descriptor's object, for calls that only take paths.
    var procPath: String { "/proc/self/fd/\(rawValue)" }

    /// `fd N`, for messages.
    public var description: String { "fd \(rawValue)" }
}
