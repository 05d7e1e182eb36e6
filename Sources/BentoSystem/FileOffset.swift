#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemPackage

// The one conversion of file positions, sizes and lengths to libc's `off_t`. They arrive as `UInt64` (the file-
// system API's type) and come from requests, so they are hostile: past `off_t.max` they are negative to the
// kernel, and a plain `off_t(value)` traps, which ends the daemon and the mount with it. Every wrapper converts
// here before its call and answers such a value with an errno; none converts with `off_t(_:)` or `Int64(_:)`.

/// `value` as the `off_t` libc takes, when it and the `count` bytes after it (a transfer starting there) stay
/// within `off_t.max`; every later position of that transfer (`value + done`, `done ≤ count`) then fits too.
///
/// - Throws: `beyond` when they do not: `EINVAL` unless given, the kernel's answer to a negative `loff_t`;
///   callers pass `EFBIG` for a write that would grow a file past the largest there can be, as ext4 answers.
func fileOffset(_ value: UInt64, count: UInt64 = 0, beyond: Errno = .invalidArgument) throws(Errno) -> off_t {
    let limit = UInt64(off_t.max)
    guard value <= limit, count <= limit - value else { throw beyond }
    return off_t(value)
}
