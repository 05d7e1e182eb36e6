#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemPackage

/// One entry of a host directory listing (`struct dirent`).
public struct DirectoryRecord: Sendable, Hashable {
    /// The host inode number (`d_ino`).
    public var inode: UInt64
    /// The host's position after this entry (`d_off`): seek here to continue with the next entry.
    public var cookie: UInt64
    /// The entry's type as a `DT_*` value (`d_type`; 0 = unknown).
    public var type: UInt8
    /// The name's bytes, without NUL.
    public var name: [UInt8]
}

/// An open host directory being listed (`DIR *` from `fdopendir`), with the host's own resume cookies.
///
/// Owned, not shared: it closes itself (`closedir`) when it goes away. Not safe for concurrent use; keep it
/// behind a lock.
public struct DirectoryStream: ~Copyable {
    private let stream: OpaquePointer

    /// Opens the directory `directory` names (an `O_PATH` descriptor is enough) for listing, from the start.
    public init(listing directory: HostDescriptor) throws(Errno) {
        let path = directory.procPath
        let descriptor = try systemCall { open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        guard let stream = fdopendir(descriptor) else {
            let error = Errno(rawValue: errno)
            close(descriptor)
            throw error
        }
        self.stream = stream
    }

    deinit { closedir(stream) }

    /// Moves to a position: 0 for the start, else a `cookie` from an earlier record (`seekdir`). A cookie the host
    /// refuses (a caller's made-up number, such as a far `lseek` on the directory) is its error, typically
    /// `EINVAL` (also for one past `off_t.max`), and leaves the position unchanged: `seekdir` alone would drop
    /// that error and list on from wherever the stream was.
    public mutating func seek(to cookie: UInt64) throws(Errno) {
        let position = try fileOffset(cookie)
        _ = try systemCall { lseek(dirfd(stream), position, SEEK_SET) }
        seekdir(stream, Int(position))
    }

    /// The next entry, or nil at the end (`readdir`).
    public mutating func next() throws(Errno) -> DirectoryRecord? {
        errno = 0
        guard let entry = readdir(stream) else {
            if errno != 0 { throw Errno(rawValue: errno) }
            return nil
        }
        let name = withUnsafeBytes(of: &entry.pointee.d_name) { raw in
            Array(raw.prefix { $0 != 0 })
        }
        return DirectoryRecord(inode: UInt64(entry.pointee.d_ino), cookie: UInt64(bitPattern: Int64(entry.pointee.d_off)),
                               type: entry.pointee.d_type, name: name)
    }

    /// Makes the directory's entries durable (`fsync`, or `fdatasync` when `dataOnly`).
    public func synchronize(dataOnly: Bool) throws(Errno) {
        let descriptor = dirfd(stream)
        _ = try systemCall { dataOnly ? fdatasync(descriptor) : fsync(descriptor) }
    }
}
