#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemPackage

/// Runs `body` on the current thread with the file-system user and group ids set to `uid` and `gid`
/// (`setfsuid`/`setfsgid`), then restores the previous ids.
///
/// On Linux these ids are per thread (glibc does not broadcast them to other threads), so concurrent calls on
/// other threads are unaffected. Objects `body` creates belong to `uid` (and `gid`, unless a set-group-id
/// directory passes on its group) and permission checks are made as that user, with the supplementary groups of
/// the process. Switching away from uid 0 drops the file-system capabilities (`CAP_DAC_OVERRIDE`,
/// `CAP_DAC_READ_SEARCH`, `CAP_CHOWN`, ...) until the ids are restored, so `open_by_handle_at` does not work
/// inside `body`: resolve descriptors first. `body` must not suspend (it is synchronous) and must not hop threads.
public func withFileSystemIdentity<Result>(
    uid: UInt32, gid: UInt32, _ body: () throws(Errno) -> Result
) throws(Errno) -> Result {
    // The calls report no errors, only the previous id; asking with an invalid id (-1) reads the current one
    // back, which shows whether the switch took (it needs CAP_SETUID/CAP_SETGID).
    let previousGroup = GNU.setfsgid(gid)
    let previousUser = GNU.setfsuid(uid)
    defer {
        _ = GNU.setfsuid(UInt32(bitPattern: previousUser))
        _ = GNU.setfsgid(UInt32(bitPattern: previousGroup))
    }
    guard GNU.setfsgid(UInt32.max) == CInt(bitPattern: gid), GNU.setfsuid(UInt32.max) == CInt(bitPattern: uid) else {
        throw .notPermitted
    }
    return try body()
}
