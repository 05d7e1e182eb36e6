#if canImport(Glibc)
import Glibc
#endif
import SystemPackage

extension HostDescriptor {
    /// FS_IOC_GETFLAGS and FS_IOC_SETFLAGS (`_IOR`/`_IOW('f', 1/2, long)`: the kernel reads and writes an `int` at
    /// the start of the argument).
    private static let getFlags: UInt = 0x8008_6601, setFlags: UInt = 0x4008_6602

    /// The object's `chattr` flags (`FS_*_FL` bits), asked through a read-only, non-blocking open of it (so an
    /// `O_PATH` descriptor will do).
    public func inodeFlags() throws(Errno) -> UInt32 {
        try Self.flags(of: try reopen(flags: O_RDONLY | O_NONBLOCK))
    }

    /// Sets the object's `chattr` flags within `mask` to those of `flags`, keeping its others (immutable and
    /// append-only need `CAP_LINUX_IMMUTABLE`): read and written through one open, as `inodeFlags` asks.
    public func setInodeFlags(_ flags: UInt32, within mask: UInt32) throws(Errno) {
        let readable = try reopen(flags: O_RDONLY | O_NONBLOCK)
        let next = try Self.flags(of: readable) & ~mask | flags & mask
        var word = (0..<8).map { $0 < 4 ? UInt8(truncatingIfNeeded: next >> UInt32(8 * $0)) : 0 }
        _ = try deviceControl(readable.rawValue, Self.setFlags, argument: &word)
    }

    /// FS_IOC_GETFLAGS on an open descriptor.
    private static func flags(of readable: HostDescriptor) throws(Errno) -> UInt32 {
        var word = [UInt8](repeating: 0, count: 8)
        _ = try deviceControl(readable.rawValue, getFlags, argument: &word)
        return word[0..<4].reversed().reduce(0) { $0 << 8 | UInt32($1) }
    }
}
