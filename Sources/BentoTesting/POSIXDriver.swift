import BentoKit

/// The calls a behaviour case makes, path-based and throwing `Errno`: what a program can ask of a file system.
///
/// Two implementations: `InProcessDriver` (the in-process façade over a `FileSystem`) and `KernelDriver`
/// (real system calls on a directory: a FUSE mount or the tmpfs control). A case written against this protocol
/// runs unchanged on both.
public protocol POSIXDriver: Sendable {
    /// The same driver with calls made as user `uid` in group `gid` (root's view otherwise).
    func asUser(_ uid: UInt32, group gid: UInt32) -> any POSIXDriver

    /// `open(2)`; `mode` is used with `O_CREAT` (the umask is 022).
    func open(_ path: String, _ flags: OpenFlags, mode: UInt32) throws(Errno) -> Int32
    /// `open(directory, O_TMPFILE | flags, mode)`: a new file with no name in `directory`.
    func openTemporary(in directory: String, _ flags: OpenFlags, mode: UInt32) throws(Errno) -> Int32
    /// `linkat` of an open descriptor (through `/proc/self/fd`, `AT_SYMLINK_FOLLOW`): names the open file `newPath`.
    func link(descriptor: Int32, to newPath: String) throws(Errno)
    /// `read(2)` at the descriptor's position.
    func read(_ descriptor: Int32, count: Int) throws(Errno) -> [UInt8]
    /// `pread(2)`.
    func pread(_ descriptor: Int32, count: Int, offset: Int64) throws(Errno) -> [UInt8]
    /// `write(2)` at the descriptor's position; the count written.
    func write(_ descriptor: Int32, _ bytes: [UInt8]) throws(Errno) -> Int
    /// `pwrite(2)`; the count written.
    func pwrite(_ descriptor: Int32, _ bytes: [UInt8], offset: Int64) throws(Errno) -> Int
    /// `lseek(2)`, SEEK_DATA and SEEK_HOLE included.
    func lseek(_ descriptor: Int32, _ offset: Int64, _ whence: SeekWhence) throws(Errno) -> Int64
    /// `close(2)`.
    func close(_ descriptor: Int32) throws(Errno)
    /// `fsync(2)`.
    func fsync(_ descriptor: Int32) throws(Errno)
    /// `fdatasync(2)`.
    func fdatasync(_ descriptor: Int32) throws(Errno)
    /// `ftruncate(2)`.
    func ftruncate(_ descriptor: Int32, size: Int64) throws(Errno)
    /// `fallocate(2)`.
    func fallocate(_ descriptor: Int32, mode: FallocateMode, offset: Int64, length: Int64) throws(Errno)
    /// `fstat(2)`.
    func fstat(_ descriptor: Int32) throws(Errno) -> Attributes

    /// `mkdir(2)`.
    func mkdir(_ path: String, mode: UInt32) throws(Errno)
    /// `rmdir(2)`.
    func rmdir(_ path: String) throws(Errno)
    /// `unlink(2)`.
    func unlink(_ path: String) throws(Errno)
    /// `renameat2(2)`.
    func rename(from source: String, to target: String, flags: RenameFlags) throws(Errno)
    /// `link(2)`.
    func link(_ existing: String, _ newPath: String) throws(Errno)
    /// `symlink(2)`: makes `path` point at `target`.
    func symlink(_ target: String, _ path: String) throws(Errno)
    /// `readlink(2)`.
    func readlink(_ path: String) throws(Errno) -> String
    /// `stat(2)`.
    func stat(_ path: String) throws(Errno) -> Attributes
    /// `lstat(2)`.
    func lstat(_ path: String) throws(Errno) -> Attributes
    /// `chmod(2)`.
    func chmod(_ path: String, mode: UInt32) throws(Errno)
    /// `chown(2)`; nil leaves one unchanged.
    func chown(_ path: String, uid: UserID?, gid: GroupID?) throws(Errno)
    /// `utimensat(2)`; nil is `UTIME_OMIT`.
    func utimens(_ path: String, access: TimeChange?, modification: TimeChange?) throws(Errno)
    /// `truncate(2)`.
    func truncate(_ path: String, size: Int64) throws(Errno)
    /// Every entry of a directory, `.` and `..` included.
    func readdir(_ path: String) throws(Errno) -> [DirectoryEntry]
    /// `setxattr(2)`.
    func setxattr(_ path: String, name: String, value: [UInt8], flags: XattrFlags) throws(Errno)
    /// `getxattr(2)`: the whole value.
    func getxattr(_ path: String, name: String) throws(Errno) -> [UInt8]
    /// `listxattr(2)`: the names.
    func listxattr(_ path: String) throws(Errno) -> [String]
    /// `removexattr(2)`.
    func removexattr(_ path: String, name: String) throws(Errno)
    /// `statfs(2)`.
    func statfs(_ path: String) throws(Errno) -> FileSystemStatistics
    /// `access(2)` with the effective ids (`faccessat(AT_EACCESS)`).
    func access(_ path: String, _ mask: AccessMask) throws(Errno)
    /// Makes the next reads and listings reach the file system: the kernel drops its clean caches
    /// (`/proc/sys/vm/drop_caches`; tmpfs keeps its pages, they are its storage); in-process nothing is cached.
    func dropCaches()
    /// `lsattr`: the inode flags of `path` (`FS_IOC_GETFLAGS` on it opened read-only).
    func inodeFlags(_ path: String) throws(Errno) -> InodeFlags
    /// `chattr`: replaces the inode flags of `path` (`FS_IOC_SETFLAGS`).
    func setInodeFlags(_ path: String, _ flags: InodeFlags) throws(Errno)
}
