#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemPackage

/// An image file or a block device opened for whole-block I/O at byte offsets: the system half of the block
/// device `BentoServices` offers. Reads and writes transfer exactly what was asked (one `pread`/`pwrite`, looped
/// only over partial transfers) or fail; with `O_DIRECT` they go through aligned memory.
public final class BlockFile: Sendable {
    /// Memory, offset and length alignment that `O_DIRECT` transfers use (a page: enough for every device).
    public static let directAlignment = 4096

    /// The open descriptor.
    public let descriptor: HostDescriptor
    /// Size in bytes: the file's length, or the device's capacity (`BLKGETSIZE64`).
    public let size: UInt64
    /// Whether the path names a block device (opened with `O_EXCL`, so a mounted or claimed device is `EBUSY`).
    public let isBlockDevice: Bool
    /// Whether transfers bypass the page cache (`O_DIRECT`).
    public let isDirect: Bool

    /// Opens `path` for reading (and writing unless `readOnly`); a block device is opened exclusively.
    ///
    /// - Throws: the `open`, `stat` or `ioctl` error; `EBUSY` for a block device someone else holds; `EINVAL`
    ///   when the file system does not support `O_DIRECT`; `EISDIR`/`EINVAL` for objects that are neither
    ///   regular files nor block devices.
    public convenience init(path: String, readOnly: Bool, direct: Bool) throws(Errno) {
        var pathStatus = stat()
        _ = try systemCall { stat(path, &pathStatus) }
        let blockDevice = (pathStatus.st_mode & S_IFMT) == S_IFBLK
        guard blockDevice || (pathStatus.st_mode & S_IFMT) == S_IFREG else {
            throw (pathStatus.st_mode & S_IFMT) == S_IFDIR ? .isDirectory : .invalidArgument
        }
        var flags: CInt = readOnly ? O_RDONLY : O_RDWR
        if blockDevice { flags |= O_EXCL }
        if direct { flags |= Linux.direct }
        try self.init(descriptor: try HostDescriptor(opening: path, flags: flags))
    }

    /// Opens the image or block device that open descriptor `number` (of this process) names, sharing its open
    /// file description: a block device stays claimed (`O_EXCL`) while either descriptor is open, so a live
    /// upgrade's new version takes over a device the old one holds without reopening it.
    ///
    /// - Throws: `EBADF` when `number` is not open; `EINVAL` when it names neither a regular file nor a block
    ///   device; the `fcntl`, `fstat` or `ioctl` error.
    public convenience init(duplicating number: CInt) throws(Errno) {
        let descriptor = HostDescriptor(owning: try systemCall { fcntl(number, F_DUPFD_CLOEXEC, 0) })
        try self.init(descriptor: descriptor)
    }

    /// Takes `descriptor`, finding its kind, size and transfer mode.
    private init(descriptor: HostDescriptor) throws(Errno) {
        var status = stat()
        _ = try systemCall { fstat(descriptor.rawValue, &status) }
        let blockDevice = (status.st_mode & S_IFMT) == S_IFBLK
        guard blockDevice || (status.st_mode & S_IFMT) == S_IFREG else { throw .invalidArgument }
        if blockDevice {
            var bytes: UInt64 = 0
            _ = try systemCall { ioctl(descriptor.rawValue, Linux.blockDeviceSize, &bytes) }
            size = bytes
        } else {
            size = UInt64(max(status.st_size, 0))
        }
        self.descriptor = descriptor
        self.isBlockDevice = blockDevice
        self.isDirect = try systemCall { fcntl(descriptor.rawValue, F_GETFL) } & Linux.direct != 0
    }

    /// Creates the regular file at `path` if it is missing (mode 0644) and extends it to `size` bytes if it is
    /// shorter (a sparse extension: the new bytes read as zero). A longer file keeps its length.
    public static func createImage(path: String, size: UInt64) throws(Errno) {
        let descriptor = try HostDescriptor(opening: path, flags: O_RDWR | O_CREAT)
        var status = stat()
        _ = try systemCall { fstat(descriptor.rawValue, &status) }
        guard (status.st_mode & S_IFMT) == S_IFREG else { return }
        if UInt64(max(status.st_size, 0)) < size {
            let length = try fileOffset(size, beyond: .fileTooLarge)
            _ = try systemCall { ftruncate(descriptor.rawValue, length) }
        }
    }

    /// Reads exactly `count` bytes at `offset` (`pread`). A transfer cut short by the end of the file is `EIO`.
    /// Direct transfers need `offset` and `count` aligned to the device's logical block size (else `EINVAL`).
    /// `EINVAL` for a range reaching past `off_t.max`.
    public func read(at offset: UInt64, count: Int) throws(Errno) -> [UInt8] {
        guard count > 0 else { return [] }
        let start = try fileOffset(offset, count: UInt64(count))
        if isDirect {
            return try withAlignedMemory(count) { (memory) throws(Errno) -> [UInt8] in
                try transfer(count) { done in pread(descriptor.rawValue, memory + done, count - done, start + off_t(done)) }
                return Array(UnsafeRawBufferPointer(start: memory, count: count))
            }
        }
        var failure: Errno?
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            do throws(Errno) {
                let base = UnsafeMutableRawPointer(buffer.baseAddress!)
                try transfer(count) { done in pread(descriptor.rawValue, base + done, count - done, start + off_t(done)) }
                initialized = count
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
        return bytes
    }

    /// Writes all of `bytes` at `offset` (`pwrite`). Direct transfers need aligned offsets and lengths.
    /// `EINVAL` for a range reaching past `off_t.max`.
    public func write(_ bytes: [UInt8], at offset: UInt64) throws(Errno) {
        let count = bytes.count
        guard count > 0 else { return }
        let start = try fileOffset(offset, count: UInt64(count))
        if isDirect {
            try withAlignedMemory(count) { (memory) throws(Errno) in
                bytes.withUnsafeBytes { memory.copyMemory(from: $0.baseAddress!, byteCount: count) }
                try transfer(count) { done in pwrite(descriptor.rawValue, memory + done, count - done, start + off_t(done)) }
            }
            return
        }
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(Errno) in
                let base = raw.baseAddress!
                try transfer(count) { done in pwrite(descriptor.rawValue, base + done, count - done, start + off_t(done)) }
            }
        }
        try result.get()
    }

    /// Makes every completed write durable (`fdatasync`): the barrier a file system's `fsync` relies on.
    public func flush() throws(Errno) {
        try descriptor.synchronize(dataOnly: true)
    }

    /// Repeats `step` (given the bytes done so far) until `count` bytes moved; no progress (end of file) is `EIO`.
    private func transfer(_ count: Int, _ step: (Int) -> Int) throws(Errno) {
        var done = 0
        while done < count {
            let moved = try systemCall { step(done) }
            if moved == 0 { throw .ioError }
            done += moved
        }
    }

    /// Runs `body` with `count` bytes of memory aligned for `O_DIRECT`, freed afterwards.
    private func withAlignedMemory<Result>(
        _ count: Int, _ body: (UnsafeMutableRawPointer) throws(Errno) -> Result
    ) throws(Errno) -> Result {
        let memory = UnsafeMutableRawPointer.allocate(byteCount: count, alignment: Self.directAlignment)
        defer { memory.deallocate() }
        return try body(memory)
    }
}

extension Linux {
    /// `O_DIRECT`: transfers bypass the page cache (its value differs between architectures).
    #if arch(arm64) || arch(arm)
    static let direct: CInt = 0o200000
    #else
    static let direct: CInt = 0o40000
    #endif
    /// `BLKGETSIZE64`: a block device's size in bytes (`_IOR(0x12, 114, size_t)`).
    static let blockDeviceSize: UInt = 0x8008_1272
}
