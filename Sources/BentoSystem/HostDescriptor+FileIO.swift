import CLinux
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemPackage

/// Data and attribute operations on a host descriptor. Calls marked "open file" need a descriptor opened for
/// I/O; the others also work on `O_PATH` descriptors.
extension HostDescriptor {
    /// Reads up to `count` bytes at `offset` (`pread`); fewer only at end of file. Open file.
    ///
    /// The buffer starts at no more than `initialReadCapacity` and doubles as data arrives, so a request's size
    /// (a READ asks for up to 4 GiB) costs memory only for bytes the file holds.
    ///
    /// - Throws: `EINVAL` for a negative `count` or a range reaching past `off_t.max` (the kernel's answer).
    public func read(at offset: UInt64, count: Int) throws(Errno) -> [UInt8] {
        guard count >= 0 else { throw .invalidArgument }
        let start = try fileOffset(offset, count: UInt64(count))
        var buffer = [UInt8](repeating: 0, count: min(count, Self.initialReadCapacity))
        var filled = 0
        while filled < count {
            if filled == buffer.count { buffer += repeatElement(0, count: min(buffer.count, count - filled)) }
            let got = try buffer.withUnsafeMutableBytes { raw in
                Result { () throws(Errno) in
                    try systemCall { pread(rawValue, raw.baseAddress! + filled, raw.count - filled, start + off_t(filled)) }
                }
            }.get()
            if got == 0 { break }
            filled += got
        }
        buffer.removeSubrange(filled...)
        return buffer
    }

    /// The most a read allocates before the file has delivered that much.
    private static let initialReadCapacity = 1 << 20

    /// Writes `data` at `offset` and returns the bytes written. Open file. With `appending` the host places them
    /// (`pwrite`: at the end on a file opened `O_APPEND`); without, they go at `offset` even on such a file
    /// (`pwritev2` with `RWF_NOAPPEND`), as a write of a FUSE file's cached pages must.
    ///
    /// - Throws: `EFBIG` when the bytes would reach past `off_t.max`, the largest file there can be (ext4's
    ///   answer to a write past its largest file), without calling the host.
    public func write(_ data: Span<UInt8>, at offset: UInt64, appending: Bool = false) throws(Errno) -> Int {
        let start = try fileOffset(offset, count: UInt64(data.count), beyond: .fileTooLarge)
        var written = 0
        while written < data.count {
            let put = try data.withUnsafeBytes { raw in
                Result { () throws(Errno) in
                    try systemCall {
                        let (bytes, count, at) = (raw.baseAddress! + written, data.count - written, start + off_t(written))
                        return appending ? pwrite(rawValue, bytes, count, at) : bento_pwrite_at_offset(rawValue, bytes, count, Int64(at))
                    }
                }
            }.get()
            if put == 0 { break }
            written += put
        }
        return written
    }

    /// Makes the file durable (`fsync`, or `fdatasync` when `dataOnly`). Open file.
    public func synchronize(dataOnly: Bool) throws(Errno) {
        _ = try systemCall { dataOnly ? fdatasync(rawValue) : fsync(rawValue) }
    }

    /// Allocates, punches, zeroes, collapses or inserts a range (`fallocate`, raw `FALLOC_FL_*` mode). Open file.
    /// `EINVAL` for an offset or length past `off_t.max` (negative to the kernel, which says the same).
    public func allocate(mode: UInt32, offset: UInt64, length: UInt64) throws(Errno) {
        let start = try fileOffset(offset), count = try fileOffset(length)
        _ = try systemCall { GNU.fallocate(rawValue, CInt(bitPattern: mode), start, count) }
    }

    /// The next data (`whence` 3, `SEEK_DATA`) or hole (4, `SEEK_HOLE`) at or after `offset` (`lseek`). Open file.
    /// An offset past `off_t.max` is past every end of file: `ENXIO` for those two, as ext4 answers, else `EINVAL`.
    public func seek(_ offset: UInt64, whence: UInt32) throws(Errno) -> UInt64 {
        let whence = CInt(bitPattern: whence)
        let pastEnd: Errno = whence == Linux.seekData || whence == Linux.seekHole ? .noSuchAddressOrDevice : .invalidArgument
        let start = try fileOffset(offset, beyond: pastEnd)
        return UInt64(try systemCall { lseek(rawValue, start, whence) })
    }

    /// Copies `length` bytes from this file at `offset` to `destination` at `destinationOffset`
    /// (`copy_file_range`) and returns how many were copied. Open files. `EINVAL` for an offset past `off_t.max`;
    /// a length beyond what one call moves is cut to it (the host copies less and says so).
    public func copyRange(at offset: UInt64, to destination: HostDescriptor, at destinationOffset: UInt64,
                          length: UInt64, flags: UInt32) throws(Errno) -> UInt64 {
        var source = try fileOffset(offset)
        var target = try fileOffset(destinationOffset)
        let count = try systemCall {
            GNU.copyFileRange(rawValue, &source, destination.rawValue, &target, Int(clamping: length), flags)
        }
        return UInt64(count)
    }

    /// Sets the file's size (`ftruncate` on an open file, else `truncate` through `/proc/self/fd`). `EINVAL` for a
    /// size past `off_t.max` (a negative size to the kernel, which says the same).
    public func truncate(to size: UInt64, isOpenFile: Bool) throws(Errno) {
        let length = try fileOffset(size)
        if isOpenFile {
            _ = try systemCall { ftruncate(rawValue, length) }
        } else {
            let path = procPath
            _ = try systemCall { Glibc.truncate(path, length) }
        }
    }

    /// Sets the permission bits (`fchmod` on an open file, else `chmod` through `/proc/self/fd`).
    public func changeMode(_ mode: UInt32, isOpenFile: Bool) throws(Errno) {
        if isOpenFile {
            _ = try systemCall { fchmod(rawValue, mode_t(mode)) }
        } else {
            let path = procPath
            _ = try systemCall { chmod(path, mode_t(mode)) }
        }
    }

    /// Sets owner and group; nil leaves one unchanged (`fchownat` with an empty path, not following symlinks).
    public func changeOwner(uid: UInt32?, gid: UInt32?) throws(Errno) {
        _ = try systemCall {
            fchownat(rawValue, "", uid ?? UInt32.max, gid ?? UInt32.max, Linux.emptyPath | AT_SYMLINK_NOFOLLOW)
        }
    }

    /// Sets access and modification times (`utimensat` with an empty path; works on `O_PATH` and symlinks).
    public func setTimes(access: HostTimeChange, modification: HostTimeChange) throws(Errno) {
        var times = [access.timespec, modification.timespec]
        _ = try systemCall { utimensat(rawValue, "", &times, Linux.emptyPath | AT_SYMLINK_NOFOLLOW) }
    }
}

/// A new value for a timestamp in `setTimes`.
public enum HostTimeChange: Sendable, Hashable {
    /// Leave it unchanged (`UTIME_OMIT`).
    case omit
    /// The current time (`UTIME_NOW`).
    case now
    /// Exactly this time.
    case time(HostTime)

    var timespec: Glibc.timespec {
        switch self {
        case .omit: Glibc.timespec(tv_sec: 0, tv_nsec: Linux.timeOmit)
        case .now: Glibc.timespec(tv_sec: 0, tv_nsec: Linux.timeNow)
        case .time(let time): Glibc.timespec(tv_sec: Int(time.seconds), tv_nsec: Int(time.nanoseconds))
        }
    }
}
