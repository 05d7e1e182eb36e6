#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemPackage

/// `ioctl(2)` on `descriptor` with an argument the kernel reads (and may overwrite) in place, given as its bytes.
///
/// The argument's size must be the one `request` encodes (`_IOC_SIZE`, bits 16–29), so the kernel never reads or
/// writes past the buffer: a mismatch throws `EINVAL` without calling the kernel.
///
/// - Returns: the call's non-negative result.
public func deviceControl(_ descriptor: CInt, _ request: UInt, argument: inout [UInt8]) throws(Errno) -> CInt {
    guard argument.count == Int((request >> 16) & 0x3FFF), !argument.isEmpty else { throw .invalidArgument }
    return try argument.withUnsafeMutableBytes { bytes in
        Result { () throws(Errno) in try systemCall { ioctl(descriptor, request, bytes.baseAddress!) } }
    }.get()
}
