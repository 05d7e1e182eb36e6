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
    public func read(at offset: UInt64, count: Int) throws(Errno) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let got = try buffer.withUnsafeMutableBytes { raw in
                Result { () throws(Errno) in
                    try systemCall { pread(rawValue, raw.baseAddress! + filled, count - filled, off_t(offset) + off_t(filled)) }
                }
            }.get()
            if got == 0 { break }
            filled += got
        }
        return Array(buffer[..<filled])
    }

    /// Writes `data` at `offset` (`pwrite`; with `O_APPEND` the host appends) and returns the bytes written. Open file.
    public func write(_ data: [UInt8], at offset: UInt64) throws(Errno) -> Int {
        var written = 0
        while written < data.count {
            let put = try data.withUnsafeBytes { raw in
                Result { () throws(Errno) in
                    try systemCall { pwrite(rawValue, raw.baseAddress! + written, data.count - written, off_t(offset) + off_t(written)) }
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
    public func allocate(mode: UInt32, offset: UInt64, length: UInt64) throws(Errno) {
        _ = try systemCall { GNU.fallocate(rawValue, CInt(bitPattern: mode), Int64(offset), Int64(length)) }
    }

    /// The next data (`whence` 3, `SEEK_DATA`) or hole (4, `SEEK_HOLE`) at or after `offset` (`lseek`). Open file.
    public func seek(_ offset: UInt64, whence: UInt32) throws(Errno) -> UInt64 {
        UInt64(try systemCall { lseek(rawValue, off_t(offset), CInt(whence)) })
    }

    /// Copies `length` bytes from this file at `offset` to `destination` at `destinationOffset`
    /// (`copy_file_range`) and returns how many were copied. Open files.
    public func copyRange(at offset: UInt64, to destination: HostDescriptor, at destinationOffset: UInt64,
                          length: UInt64, flags: UInt32) throws(Errno) -> UInt64 {
        var source = Int64(offset)
        var target = Int64(destinationOffset)
        let count = try systemCall {
            GNU.copyFileRange(rawValue, &source, destination.rawValue, &target, Int(clamping: length), flags)
        }
        return UInt64(count)
    }

    /// Sets the file's size (`ftruncate` on an open file, else `truncate` through `/proc/self/fd`).
    public func truncate(to size: UInt64, isOpenFile: Bool) throws(Errno) {
        if isOpenFile {
            _ = try systemCall { ftruncate(rawValue, off_t(size)) }
        } else {
            let path = procPath
            _ = try systemCall { Glibc.truncate(path, off_t(size)) }
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
