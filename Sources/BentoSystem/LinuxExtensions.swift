#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CLinux

// Linux (GNU) system calls and constants that Swift's Glibc module does not import: they sit behind
// `_GNU_SOURCE` or in headers outside the module map (`sys/fsuid.h`, `sys/xattr.h`, `sys/vfs.h`). The functions
// come from the CLinux target's thin C wrappers; the constants' values are those of Linux x86-64 and aarch64 (the
// platforms Bento runs on).

/// Linux constants missing from the Glibc module.
@usableFromInline
enum Linux {
    /// `O_PATH`: a descriptor that names an object without opening it for I/O.
    static let openPath: CInt = 0o10000000
    /// `O_TMPFILE` (`__O_TMPFILE | O_DIRECTORY`): an unnamed file in the directory opened.
    static let temporaryFile: CInt = 0o20_200_000
    /// `AT_EMPTY_PATH`: an empty path names the descriptor itself.
    static let emptyPath: CInt = 0x1000
    /// `AT_EACCESS`: `faccessat` checks with the effective (file-system) ids.
    static let effectiveAccess: CInt = 0x200
    /// `AT_SYMLINK_FOLLOW`: `linkat` follows a final symlink (here, the `/proc/self/fd` magic link).
    static let symlinkFollow: CInt = 0x400
    /// `UTIME_NOW`: set this timestamp to the current time.
    static let timeNow: Int = (1 << 30) - 1
    /// `UTIME_OMIT`: leave this timestamp alone.
    static let timeOmit: Int = (1 << 30) - 2
    /// `MAX_HANDLE_SZ`: the largest file handle any file system returns.
    static let maximumHandleSize = 128
    /// `SEEK_DATA`: `lseek` to the next data at or after the offset.
    static let seekData: CInt = 3
    /// `SEEK_HOLE`: `lseek` to the next hole at or after the offset.
    static let seekHole: CInt = 4
}

/// The GNU extensions BentoSystem calls, through CLinux's wrappers; each returns what the C function does.
@usableFromInline
enum GNU {
    static func nameToHandleAt(_ directory: CInt, _ path: UnsafePointer<CChar>, _ handle: UnsafeMutableRawPointer,
                               _ mountID: UnsafeMutablePointer<CInt>, _ flags: CInt) -> CInt {
        bento_name_to_handle_at(directory, path, handle, mountID, flags)
    }

    static func openByHandleAt(_ mountDescriptor: CInt, _ handle: UnsafeMutableRawPointer, _ flags: CInt) -> CInt {
        bento_open_by_handle_at(mountDescriptor, handle, flags)
    }

    static func renameat2(_ directory: CInt, _ name: UnsafePointer<CChar>, _ newDirectory: CInt,
                          _ newName: UnsafePointer<CChar>, _ flags: CUnsignedInt) -> CInt {
        bento_renameat2(directory, name, newDirectory, newName, flags)
    }

    static func setfsuid(_ uid: UInt32) -> CInt { bento_setfsuid(uid) }

    static func setfsgid(_ gid: UInt32) -> CInt { bento_setfsgid(gid) }

    static func copyFileRange(_ source: CInt, _ sourceOffset: inout off_t, _ destination: CInt,
                              _ destinationOffset: inout off_t, _ length: Int, _ flags: CUnsignedInt) -> Int {
        var from = Int64(sourceOffset), to = Int64(destinationOffset)
        defer { (sourceOffset, destinationOffset) = (off_t(from), off_t(to)) }
        return bento_copy_file_range(source, &from, destination, &to, length, flags)
    }

    static func fallocate(_ fd: CInt, _ mode: CInt, _ offset: off_t, _ length: off_t) -> CInt {
        bento_fallocate(fd, mode, Int64(offset), Int64(length))
    }

    static func getxattr(_ path: UnsafePointer<CChar>, _ name: UnsafePointer<CChar>, _ value: UnsafeMutableRawPointer?,
                         _ size: Int) -> Int {
        bento_getxattr(path, name, value, size)
    }

    static func setxattr(_ path: UnsafePointer<CChar>, _ name: UnsafePointer<CChar>, _ value: UnsafeRawPointer?,
                         _ size: Int, _ flags: CInt) -> CInt {
        bento_setxattr(path, name, value, size, flags)
    }

    static func listxattr(_ path: UnsafePointer<CChar>, _ list: UnsafeMutablePointer<CChar>?, _ size: Int) -> Int {
        bento_listxattr(path, list, size)
    }

    static func removexattr(_ path: UnsafePointer<CChar>, _ name: UnsafePointer<CChar>) -> CInt {
        bento_removexattr(path, name)
    }

    static func fileSystemType(_ fd: CInt, _ type: UnsafeMutablePointer<Int64>) -> CInt {
        bento_file_system_type(fd, type)
    }
}

/// Calls `body` with `bytes` as a NUL-terminated C string (names arrive as validated bytes without NUL).
@usableFromInline
func withCString<Result, Failure: Error>(
    _ bytes: some Collection<UInt8>, _ body: (UnsafePointer<CChar>) throws(Failure) -> Result
) throws(Failure) -> Result {
    var terminated = Array(bytes)
    terminated.append(0)
    return try terminated.withUnsafeBufferPointer { (buffer) throws(Failure) -> Result in
        try buffer.withMemoryRebound(to: CChar.self) { (chars) throws(Failure) -> Result in
            // A non-empty array's base address is never nil.
            try body(chars.baseAddress!)
        }
    }
}
