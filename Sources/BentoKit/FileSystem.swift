/// The interface a Bento file system implements: one method per FUSE operation, synchronous, with typed errors.
///
/// The host (mounted through `/dev/fuse`) and the in-process driver (tests, debugger, crash explorer) call these
/// same methods, so a file system never knows which one runs it. Methods are called concurrently from several
/// threads; a conforming type does its own locking. Every method has a default that answers `ENOSYS`
/// (or, for the few the kernel needs, a sensible no-op), so a file system implements what it supports.
///
/// Lookup counting: every `Entry` a method returns (lookup, mknod, mkdir, symlink, link, create, and each entry
/// kept by a readdirplus listing) adds one to that inode's lookup count; `forget` subtracts. An inode whose
/// count reaches zero and that has no links left may be freed.
public protocol FileSystem: Sendable {
    /// Called once before any other call; adjust `connection.wanted` and sizes here.
    func initialize(_ connection: inout Connection) throws(Errno)
    /// Called once when the mount ends (unmount or shutdown); flush everything here.
    func destroy()
    /// The file system's own counters for `bento stats` (cache sizes, evictions); read from any thread at any
    /// time, so cheap and thread-safe. Default: none.
    var counters: [FileSystemCounter] { get }
    /// Why the file system stopped taking changes, if it did: an error it cannot go past without being mounted
    /// again (as ext4's `errors=remount-ro`); changes then fail with `EROFS` and reads go on. `bento status`
    /// shows it. Read from any thread at any time. Default: nil (it takes changes).
    var failure: String? { get }
    /// What is wrong while the file system goes on serving (a provenance log that had to drop records): `bento
    /// status` shows the mount as degraded and the daemon logs each new warning. Read from any thread at any
    /// time. Default: none.
    var warnings: [String] { get }
    /// A text report the file system offers through the daemon's control socket (`bento prov` asks provfs for
    /// its `provenance` log); `ENOSYS` for a topic it does not know. Default: none.
    func report(_ topic: String) throws(Errno) -> String

    /// Finds `name` in directory `parent`. A file system that asks for `Capabilities.exportHandles` also answers
    /// `.` in any existing inode (that inode: the kernel decoding a file handle) and `..` in a directory.
    func lookup(_ request: Request, parent: Inode, name: FileName) throws(Errno) -> Entry
    /// The kernel dropped `count` references to `inode`.
    func forget(_ inode: Inode, count: UInt64)
    /// Reports an object's attributes; `handle` is set when the call came through an open file (fstat).
    func getattr(_ request: Request, inode: Inode, handle: FileHandle?) throws(Errno) -> AttributesReply
    /// Changes attributes (chmod, chown, truncate, utimens) and reports the result.
    func setattr(_ request: Request, inode: Inode, changes: AttributeChanges) throws(Errno) -> AttributesReply
    /// Reads a symbolic link's target.
    func readlink(_ request: Request, inode: Inode) throws(Errno) -> [UInt8]
    /// Makes a regular file, device node, FIFO or socket. `mode` already has the caller's umask applied.
    func mknod(_ request: Request, parent: Inode, name: FileName, mode: FileMode, device: UInt32) throws(Errno) -> Entry
    /// Makes a directory. `mode` holds permission bits with the umask applied.
    func mkdir(_ request: Request, parent: Inode, name: FileName, mode: FileMode) throws(Errno) -> Entry
    /// Removes a non-directory name.
    func unlink(_ request: Request, parent: Inode, name: FileName) throws(Errno)
    /// Removes an empty directory.
    func rmdir(_ request: Request, parent: Inode, name: FileName) throws(Errno)
    /// Makes a symbolic link `name` → `target`.
    func symlink(_ request: Request, parent: Inode, name: FileName, target: [UInt8]) throws(Errno) -> Entry
    /// Renames `name` in `parent` to `newName` in `newParent`, honouring `flags`.
    func rename(_ request: Request, parent: Inode, name: FileName, newParent: Inode, newName: FileName,
                flags: RenameFlags) throws(Errno)
    /// Makes a hard link to `inode` named `newName` in `newParent`.
    func link(_ request: Request, inode: Inode, newParent: Inode, newName: FileName) throws(Errno) -> Entry
    /// Opens a file.
    func open(_ request: Request, inode: Inode, flags: OpenFlags) throws(Errno) -> OpenReply
    /// Reads up to `size` bytes at `offset`; fewer only at end of file.
    func read(_ request: Request, inode: Inode, handle: FileHandle, offset: UInt64, size: UInt32) throws(Errno) -> [UInt8]
    /// `read`, with the bytes appended to `output` (at most `size` of them; `output` has room for `size`): the
    /// host hands in the buffer the reply goes out from, so a file system that implements this spares a copy of
    /// every byte read. The default appends what `read` returns.
    func read(_ request: Request, inode: Inode, handle: FileHandle, offset: UInt64, size: UInt32,
              into output: inout OutputSpan<UInt8>) throws(Errno)
    /// Writes `data` at `offset` and returns how many bytes were written. `data` is borrowed from the request
    /// for the length of the call (the host hands in the bytes the kernel delivered, with no copy): keep what
    /// you need by copying it (`Array(copying:)`, `append(copying:)`, `overwrite(at:with:)`). `flags` are the
    /// open file's flags as they are now (`fcntl` may have changed them since `open`): `.append` asks for the
    /// bytes at the end of the file, unless the kernel caches writes (it then places them itself); a write of
    /// the kernel's cached pages (a shared mapping written back) never carries it, whatever the file was opened
    /// with, and goes at `offset`.
    func write(_ request: Request, inode: Inode, handle: FileHandle, offset: UInt64, data: Span<UInt8>,
               flags: OpenFlags) throws(Errno) -> UInt32
    /// Called on each `close(2)` of a descriptor of this open file.
    func flush(_ request: Request, inode: Inode, handle: FileHandle, lockOwner: UInt64) throws(Errno)
    /// The last descriptor of this open file is gone.
    func release(_ request: Request, inode: Inode, handle: FileHandle, flags: OpenFlags) throws(Errno)
    /// Makes the file's data (and, unless `dataOnly`, its metadata) durable.
    func fsync(_ request: Request, inode: Inode, handle: FileHandle, dataOnly: Bool) throws(Errno)
    /// Opens a directory for listing.
    func opendir(_ request: Request, inode: Inode, flags: OpenFlags) throws(Errno) -> OpenReply
    /// Lists entries after position `offset` (0 = from the start) into `listing` until it is full.
    func readdir(_ request: Request, inode: Inode, handle: FileHandle, offset: UInt64,
                 into listing: inout DirectoryListing) throws(Errno)
    /// Like readdir, with each entry's lookup answer (counting one lookup for each entry kept).
    func readdirplus(_ request: Request, inode: Inode, handle: FileHandle, offset: UInt64,
                     into listing: inout DirectoryListing) throws(Errno)
    /// The directory's open handle is gone.
    func releasedir(_ request: Request, inode: Inode, handle: FileHandle) throws(Errno)
    /// Makes the directory's entries durable.
    func fsyncdir(_ request: Request, inode: Inode, handle: FileHandle, dataOnly: Bool) throws(Errno)
    /// Reports space and inode usage.
    func statfs(_ request: Request, inode: Inode) throws(Errno) -> FileSystemStatistics
    /// Sets an extended attribute.
    func setxattr(_ request: Request, inode: Inode, name: XattrName, value: [UInt8], flags: XattrFlags) throws(Errno)
    /// Reads an extended attribute's whole value (`ENODATA` when absent); the host applies the caller's size.
    func getxattr(_ request: Request, inode: Inode, name: XattrName) throws(Errno) -> [UInt8]
    /// Lists extended attribute names; the host applies the caller's size.
    func listxattr(_ request: Request, inode: Inode) throws(Errno) -> [XattrName]
    /// Removes an extended attribute (`ENODATA` when absent).
    func removexattr(_ request: Request, inode: Inode, name: XattrName) throws(Errno)
    /// Checks the caller's access (only called without `default_permissions`).
    func access(_ request: Request, inode: Inode, mask: AccessMask) throws(Errno)
    /// Creates and opens a regular file in one step. `mode` already has the umask applied.
    func create(_ request: Request, parent: Inode, name: FileName, mode: FileMode, flags: OpenFlags) throws(Errno) -> CreateReply
    /// Makes and opens a regular file with no name in directory `parent` (`open(O_TMPFILE)`; write and search
    /// permission on `parent` needed): its link count is 0 and it goes at its last release, unless `link` names
    /// it first (the kernel allows that once, and never for `O_TMPFILE | O_EXCL`). Default `ENOSYS`: the caller
    /// gets `EOPNOTSUPP`, and programs fall back to a named file.
    func tmpfile(_ request: Request, parent: Inode, mode: FileMode, flags: OpenFlags) throws(Errno) -> CreateReply
    /// The inode's `chattr` flags (`lsattr`; `FS_IOC_GETFLAGS`). Default `ENOTTY`: the file system keeps none.
    func inodeFlags(_ request: Request, inode: Inode) throws(Errno) -> InodeFlags
    /// Replaces the inode's `chattr` flags (`FS_IOC_SETFLAGS`; the kernel has checked the caller may); a file
    /// system that keeps them enforces them (`InodeFlags`' checks). Default `ENOTTY`.
    func setInodeFlags(_ request: Request, inode: Inode, flags: InodeFlags) throws(Errno)
    /// Allocates, punches or zeroes a range.
    func fallocate(_ request: Request, inode: Inode, handle: FileHandle, offset: UInt64, length: UInt64,
                   mode: FallocateMode) throws(Errno)
    /// Finds data or holes (`SEEK_DATA`, `SEEK_HOLE`); the kernel handles the other kinds of seek itself.
    func lseek(_ request: Request, inode: Inode, handle: FileHandle, offset: UInt64, whence: SeekWhence) throws(Errno) -> UInt64
    /// Copies `length` bytes between two open files without passing them through the caller.
    func copyFileRange(_ request: Request, from source: Inode, handle sourceHandle: FileHandle, offset sourceOffset: UInt64,
                       to destination: Inode, handle destinationHandle: FileHandle, offset destinationOffset: UInt64,
                       length: UInt64, flags: UInt64) throws(Errno) -> UInt64
}
