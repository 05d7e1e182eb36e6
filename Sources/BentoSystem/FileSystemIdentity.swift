#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CLinux
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

/// Runs `body` on the current thread with the file-system ids `uid` and `gid` and the supplementary groups `groups`
/// (per thread: the raw `setgroups` system call, not glibc's, which changes every thread), then restores all
/// three. Needs CAP_SETGID for the groups (`EPERM` otherwise, before `body` runs).
public func withFileSystemIdentity<Result>(
    uid: UInt32, gid: UInt32, groups: [UInt32], _ body: () throws(Errno) -> Result
) throws(Errno) -> Result {
    let previous = try threadGroups()
    try setThreadGroups(groups)
    defer { try? setThreadGroups(previous) }
    return try withFileSystemIdentity(uid: uid, gid: gid, body)
}

/// The calling thread's supplementary groups.
func threadGroups() throws(Errno) -> [UInt32] {
    while true {
        let count = bento_thread_get_groups(0, nil)
        if count < 0 { throw Errno(rawValue: -count) }
        var groups = [UInt32](repeating: 0, count: Int(count))
        let read = groups.withUnsafeMutableBufferPointer { bento_thread_get_groups(count, $0.baseAddress) }
        if read >= 0 { return Array(groups.prefix(Int(read))) }
        if read != -EINVAL { throw Errno(rawValue: -read) }  // EINVAL: the groups grew meanwhile; ask again
    }
}

/// Sets the calling thread's supplementary groups.
func setThreadGroups(_ groups: [UInt32]) throws(Errno) {
    let result = groups.withUnsafeBufferPointer { bento_thread_set_groups($0.count, $0.baseAddress) }
    if result < 0 { throw Errno(rawValue: -result) }
}
