#if canImport(Glibc)
import Glibc
#endif
import BentoKit
import BentoSystem
import CLinux

/// The behaviour suite's driver for real system calls: paths name a mounted Bento file system or the tmpfs
/// control directory. Calls as another user run on the calling thread with that file-system uid and gid
/// (`setfsuid`/`setfsgid`, per thread on Linux), so the kernel checks permissions and FUSE sees that caller.
public struct KernelDriver: POSIXDriver {
    /// The file-system ids calls are made with; nil for the process's own (root).
    var identity: (uid: UInt32, gid: UInt32)?

    /// A driver making calls as the test process.
    public init() {
        // The façade's umask: cases expect 022 whatever the shell that started the tests had.
        umask(0o022)
    }

    private init(identity: (uid: UInt32, gid: UInt32)) { self.identity = identity }

    public func asUser(_ uid: UInt32, group gid: UInt32) -> any POSIXDriver { KernelDriver(identity: (uid, gid)) }

    /// Runs one call as `identity`, turning -1 and `errno` into a thrown `Errno` (retrying EINTR).
    private func call<Result: FixedWidthInteger>(_ body: () -> Result) throws(Errno) -> Result {
        guard let identity else { return try systemCall(body) }
        return try withFileSystemIdentity(uid: identity.uid, gid: identity.gid) { () throws(Errno) -> Result in
            try systemCall(body)
        }
    }

    public func open(_ path: String, _ flags: OpenFlags, mode: UInt32) throws(Errno) -> Int32 {
        try call { Glibc.open(path, flags.rawValue, mode_t(mode)) }
    }

    public func read(_ descriptor: Int32, count: Int) throws(Errno) -> [UInt8] {
        try transfer(count) { buffer in Glibc.read(descriptor, buffer, count) }
    }

    public func pread(_ descriptor: Int32, count: Int, offset: Int64) throws(Errno) -> [UInt8] {
        try transfer(count) { buffer in Glibc.pread(descriptor, buffer, count, off_t(offset)) }
    }

    /// Reads into a fresh buffer of `count` bytes and keeps what `body` reported read.
    private func transfer(_ count: Int, _ body: (UnsafeMutableRawPointer) -> Int) throws(Errno) -> [UInt8] {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 1)
        defer { buffer.deallocate() }
        let done = try call { body(buffer.baseAddress.unsafelyUnwrapped) }
        return Array(buffer.prefix(done))
    }

    public func write(_ descriptor: Int32, _ bytes: [UInt8]) throws(Errno) -> Int {
        try call { bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) } }
    }

    public func pwrite(_ descriptor: Int32, _ bytes: [UInt8], offset: Int64) throws(Errno) -> Int {
        try call { bytes.withUnsafeBytes { Glibc.pwrite(descriptor, $0.baseAddress, $0.count, off_t(offset)) } }
    }

    public func lseek(_ descriptor: Int32, _ offset: Int64, _ whence: SeekWhence) throws(Errno) -> Int64 {
        Int64(try call { Glibc.lseek(descriptor, off_t(offset), Int32(whence.rawValue)) })
    }

    public func close(_ descriptor: Int32) throws(Errno) { _ = try call { Glibc.close(descriptor) } }
    public func fsync(_ descriptor: Int32) throws(Errno) { _ = try call { Glibc.fsync(descriptor) } }
    public func fdatasync(_ descriptor: Int32) throws(Errno) { _ = try call { Glibc.fdatasync(descriptor) } }
    public func ftruncate(_ descriptor: Int32, size: Int64) throws(Errno) { _ = try call { Glibc.ftruncate(descriptor, off_t(size)) } }

    public func fallocate(_ descriptor: Int32, mode: FallocateMode, offset: Int64, length: Int64) throws(Errno) {
        _ = try call { bento_fallocate(descriptor, Int32(mode.rawValue), offset, length) }
    }

    public func fstat(_ descriptor: Int32) throws(Errno) -> Attributes {
        var status = Glibc.stat()
        _ = try call { Glibc.fstat(descriptor, &status) }
        return Self.attributes(status)
    }

    public func mkdir(_ path: String, mode: UInt32) throws(Errno) { _ = try call { Glibc.mkdir(path, mode_t(mode)) } }
    public func rmdir(_ path: String) throws(Errno) { _ = try call { Glibc.rmdir(path) } }
    public func unlink(_ path: String) throws(Errno) { _ = try call { Glibc.unlink(path) } }

    public func rename(from source: String, to target: String, flags: RenameFlags) throws(Errno) {
        _ = try call { bento_renameat2(AT_FDCWD, source, AT_FDCWD, target, flags.rawValue) }
    }

    public func link(_ existing: String, _ newPath: String) throws(Errno) { _ = try call { Glibc.link(existing, newPath) } }

    /// `O_TMPFILE` (`__O_TMPFILE | O_DIRECTORY` on Linux), which Glibc's module does not export.
    private static let temporaryFile: Int32 = 0o20_200_000

    public func openTemporary(in directory: String, _ flags: OpenFlags, mode: UInt32) throws(Errno) -> Int32 {
        try call { Glibc.open(directory, flags.rawValue | Self.temporaryFile, mode_t(mode)) }
    }

    public func link(descriptor: Int32, to newPath: String) throws(Errno) {
        _ = try call { linkat(AT_FDCWD, "/proc/self/fd/\(descriptor)", AT_FDCWD, newPath, AT_SYMLINK_FOLLOW) }
    }
    public func symlink(_ target: String, _ path: String) throws(Errno) { _ = try call { Glibc.symlink(target, path) } }

    public func readlink(_ path: String) throws(Errno) -> String {
        let bytes = try transfer(4096) { buffer in Glibc.readlink(path, buffer.assumingMemoryBound(to: CChar.self), 4096) }
        return String(decoding: bytes, as: UTF8.self)
    }

    public func stat(_ path: String) throws(Errno) -> Attributes {
        var status = Glibc.stat()
        _ = try call { fstatat(AT_FDCWD, path, &status, 0) }
        return Self.attributes(status)
    }

    public func lstat(_ path: String) throws(Errno) -> Attributes {
        var status = Glibc.stat()
        _ = try call { fstatat(AT_FDCWD, path, &status, AT_SYMLINK_NOFOLLOW) }
        return Self.attributes(status)
    }

    public func chmod(_ path: String, mode: UInt32) throws(Errno) { _ = try call { Glibc.chmod(path, mode_t(mode)) } }

    public func chown(_ path: String, uid: UserID?, gid: GroupID?) throws(Errno) {
        _ = try call { Glibc.chown(path, uid?.rawValue ?? UInt32.max, gid?.rawValue ?? UInt32.max) }
    }

    public func utimens(_ path: String, access: TimeChange?, modification: TimeChange?) throws(Errno) {
        var times = [Self.timespec(access), Self.timespec(modification)]
        _ = try call { utimensat(AT_FDCWD, path, &times, 0) }
    }

    public func truncate(_ path: String, size: Int64) throws(Errno) { _ = try call { Glibc.truncate(path, off_t(size)) } }

    public func readdir(_ path: String) throws(Errno) -> [DirectoryEntry] {
        let descriptor = try open(path, [.directory], mode: 0)
        guard let stream = fdopendir(descriptor) else {
            Glibc.close(descriptor)
            throw Errno(rawValue: errno)
        }
        defer { closedir(stream) }
        var entries: [DirectoryEntry] = []
        while let record = Glibc.readdir(stream) {
            let name = withUnsafeBytes(of: record.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            entries.append(DirectoryEntry(inode: Inode(UInt64(record.pointee.d_ino)),
                                          cookie: UInt64(bitPattern: Int64(record.pointee.d_off)),
                                          type: FileType(rawValue: UInt32(record.pointee.d_type) << 12) ?? .regular,
                                          name: try FileName(validating: name)))
        }
        return entries
    }

    public func setxattr(_ path: String, name: String, value: [UInt8], flags: XattrFlags) throws(Errno) {
        _ = try call { value.withUnsafeBytes { bento_setxattr(path, name, $0.baseAddress, $0.count, Int32(flags.rawValue)) } }
    }

    public func getxattr(_ path: String, name: String) throws(Errno) -> [UInt8] {
        let size = try call { bento_getxattr(path, name, nil, 0) }
        return try transfer(size) { buffer in bento_getxattr(path, name, buffer, size) }
    }

    public func listxattr(_ path: String) throws(Errno) -> [String] {
        let size = try call { bento_listxattr(path, nil, 0) }
        let bytes = try transfer(size) { buffer in bento_listxattr(path, buffer.assumingMemoryBound(to: CChar.self), size) }
        return bytes.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }

    public func removexattr(_ path: String, name: String) throws(Errno) { _ = try call { bento_removexattr(path, name) } }

    public func statfs(_ path: String) throws(Errno) -> FileSystemStatistics {
        var volume = statvfs()
        _ = try call { statvfs(path, &volume) }
        return FileSystemStatistics(
            blockSize: UInt32(volume.f_bsize), fragmentSize: UInt32(volume.f_frsize), totalBlocks: UInt64(volume.f_blocks),
            freeBlocks: UInt64(volume.f_bfree), availableBlocks: UInt64(volume.f_bavail), totalInodes: UInt64(volume.f_files),
            freeInodes: UInt64(volume.f_ffree), maximumNameLength: UInt32(volume.f_namemax))
    }

    public func access(_ path: String, _ mask: AccessMask) throws(Errno) {
        _ = try call { faccessat(AT_FDCWD, path, Int32(mask.rawValue), AT_EACCESS) }
    }

    /// FS_IOC_GETFLAGS and FS_IOC_SETFLAGS (`_IOR`/`_IOW('f', 1/2, long)`: the kernel reads and writes an `int`
    /// at the start of the 8 bytes).
    private static let getFlags: UInt = 0x8008_6601, setFlags: UInt = 0x4008_6602

    public func inodeFlags(_ path: String) throws(Errno) -> InodeFlags {
        var word = [UInt8](repeating: 0, count: 8)
        try withOpened(path) { (descriptor) throws(Errno) in _ = try deviceControl(descriptor, Self.getFlags, argument: &word) }
        return InodeFlags(rawValue: word[0..<4].reversed().reduce(0) { $0 << 8 | UInt32($1) })
    }

    public func setInodeFlags(_ path: String, _ flags: InodeFlags) throws(Errno) {
        var word = (0..<8).map { $0 < 4 ? UInt8(truncatingIfNeeded: flags.rawValue >> (8 * $0)) : 0 }
        try withOpened(path) { (descriptor) throws(Errno) in _ = try deviceControl(descriptor, Self.setFlags, argument: &word) }
    }

    /// Runs `body` with `path` open read-only and non-blocking, as `chattr` opens it.
    private func withOpened(_ path: String, _ body: (Int32) throws(Errno) -> Void) throws(Errno) {
        let descriptor = try call { Glibc.open(path, O_RDONLY | O_NONBLOCK) }
        defer { Glibc.close(descriptor) }
        try body(descriptor)
    }

    public func dropCaches() {
        sync()
        let control = Glibc.open("/proc/sys/vm/drop_caches", O_WRONLY)
        guard control >= 0 else { return }
        _ = Glibc.write(control, "3\n", 2)
        Glibc.close(control)
    }

    /// `struct stat` as BentoKit attributes.
    private static func attributes(_ status: Glibc.stat) -> Attributes {
        Attributes(
            inode: Inode(UInt64(status.st_ino)), size: UInt64(status.st_size), blocks: UInt64(status.st_blocks),
            accessTime: Timestamp(seconds: Int64(status.st_atim.tv_sec), nanoseconds: UInt32(status.st_atim.tv_nsec)),
            modificationTime: Timestamp(seconds: Int64(status.st_mtim.tv_sec), nanoseconds: UInt32(status.st_mtim.tv_nsec)),
            changeTime: Timestamp(seconds: Int64(status.st_ctim.tv_sec), nanoseconds: UInt32(status.st_ctim.tv_nsec)),
            mode: FileMode(rawValue: UInt32(status.st_mode)), linkCount: UInt32(status.st_nlink),
            uid: UserID(status.st_uid), gid: GroupID(status.st_gid), device: UInt32(truncatingIfNeeded: status.st_rdev),
            blockSize: UInt32(status.st_blksize))
    }

    /// A `utimensat` time: `UTIME_OMIT` for nil, `UTIME_NOW` for now.
    private static func timespec(_ change: TimeChange?) -> Glibc.timespec {
        switch change {
        case nil: Glibc.timespec(tv_sec: 0, tv_nsec: (1 << 30) - 2)
        case .now?: Glibc.timespec(tv_sec: 0, tv_nsec: (1 << 30) - 1)
        case .time(let time)?: Glibc.timespec(tv_sec: Int(time.seconds), tv_nsec: Int(time.nanoseconds))
        }
    }
}
