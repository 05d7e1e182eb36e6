#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// Linux (GNU) system calls and constants that Swift's Glibc module does not import: they sit behind
// `_GNU_SOURCE` or in headers outside the module map (`sys/fsuid.h`, `sys/xattr.h`, `sys/vfs.h`). Each function is found
// once in the C library by name and called through a typed C function pointer, so BentoSystem needs no C
// shim target. Values are those of Linux x86-64 and aarch64 (the platforms Bento runs on).

/// Linux constants missing from the Glibc module.
@usableFromInline
enum Linux {
    /// `O_PATH`: a descriptor that names an object without opening it for I/O.
    static let openPath: CInt = 0o10000000
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
    /// `sizeof(struct statfs)`, whose first field is `f_type` (a `long`).
    static let volumeStatusSize = 120
}

/// Finds a C library function by name; every name used here exists in glibc ≥ 2.30, so absence is a broken
/// installation, not a runtime condition.
private func libcFunction<Function>(_ name: String, as type: Function.Type) -> Function {
    guard let address = dlsym(nil, name) else { fatalError("the C library has no \(name)") }
    return unsafeBitCast(address, to: type)
}

/// The GNU extensions BentoSystem calls, resolved once.
@usableFromInline
enum GNU {
    typealias NameToHandle = @convention(c) (CInt, UnsafePointer<CChar>, UnsafeMutableRawPointer, UnsafeMutablePointer<CInt>, CInt) -> CInt
    typealias OpenByHandle = @convention(c) (CInt, UnsafeMutableRawPointer, CInt) -> CInt
    typealias Rename2 = @convention(c) (CInt, UnsafePointer<CChar>, CInt, UnsafePointer<CChar>, CUnsignedInt) -> CInt
    typealias SetFSID = @convention(c) (UInt32) -> CInt
    typealias CopyRange = @convention(c) (CInt, UnsafeMutablePointer<off_t>, CInt, UnsafeMutablePointer<off_t>, Int, CUnsignedInt) -> Int
    typealias Allocate = @convention(c) (CInt, CInt, off_t, off_t) -> CInt
    typealias GetXattr = @convention(c) (UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafeMutableRawPointer?, Int) -> Int
    typealias SetXattr = @convention(c) (UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafeRawPointer?, Int, CInt) -> CInt
    typealias ListXattr = @convention(c) (UnsafePointer<CChar>, UnsafeMutablePointer<CChar>?, Int) -> Int
    typealias RemoveXattr = @convention(c) (UnsafePointer<CChar>, UnsafePointer<CChar>) -> CInt
    typealias VolumeStatus = @convention(c) (CInt, UnsafeMutableRawPointer) -> CInt

    // Function pointers into the C library are immutable after their one-time initialization and the C
    // functions themselves are thread-safe, so sharing them across threads is safe.
    nonisolated(unsafe) static let nameToHandleAt = libcFunction("name_to_handle_at", as: NameToHandle.self)
    nonisolated(unsafe) static let openByHandleAt = libcFunction("open_by_handle_at", as: OpenByHandle.self)
    nonisolated(unsafe) static let renameat2 = libcFunction("renameat2", as: Rename2.self)
    nonisolated(unsafe) static let setfsuid = libcFunction("setfsuid", as: SetFSID.self)
    nonisolated(unsafe) static let setfsgid = libcFunction("setfsgid", as: SetFSID.self)
    nonisolated(unsafe) static let copyFileRange = libcFunction("copy_file_range", as: CopyRange.self)
    nonisolated(unsafe) static let fallocate = libcFunction("fallocate64", as: Allocate.self)
    nonisolated(unsafe) static let getxattr = libcFunction("getxattr", as: GetXattr.self)
    nonisolated(unsafe) static let setxattr = libcFunction("setxattr", as: SetXattr.self)
    nonisolated(unsafe) static let listxattr = libcFunction("listxattr", as: ListXattr.self)
    nonisolated(unsafe) static let removexattr = libcFunction("removexattr", as: RemoveXattr.self)
    nonisolated(unsafe) static let fstatfs = libcFunction("fstatfs", as: VolumeStatus.self)
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
