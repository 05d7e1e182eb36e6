#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemPackage

/// The one funnel every raw system call of the project goes through: it retries `EINTR` and turns a `-1`
/// result into the `Errno` the call set.
///
/// - Parameter body: the call; returns -1 and sets `errno` on failure (the libc convention).
/// - Returns: the call's non-negative result.
@inlinable
public func systemCall<Result: FixedWidthInteger>(_ body: () -> Result) throws(Errno) -> Result {
    while true {
        let result = body()
        if result != -1 { return result }
        let error = Errno(rawValue: errno)
        if error != .interrupted { throw error }
    }
}

/// Like `systemCall`, but a call that a signal interrupts throws `EINTR` instead of running again: for a wait that
/// another thread must be able to end (`ThreadInterrupt`).
@inlinable
public func interruptibleSystemCall<Result: FixedWidthInteger>(_ body: () -> Result) throws(Errno) -> Result {
    let result = body()
    if result != -1 { return result }
    throw Errno(rawValue: errno)
}

/// Like `systemCall`, for calls that return a pointer and NULL on failure.
@inlinable
public func systemCall<Pointee>(_ body: () -> UnsafeMutablePointer<Pointee>?) throws(Errno) -> UnsafeMutablePointer<Pointee> {
    while true {
        if let result = body() { return result }
        let error = Errno(rawValue: errno)
        if error != .interrupted { throw error }
    }
}
