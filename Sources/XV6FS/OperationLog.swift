import BentoKit

// The seam a provenance layer plugs into (ProvFS, issue 12): xv6fs tells an `OperationLog` what each request did,
// and appends the record the log makes of it to a hidden file of the same image, in the same journal transaction
// as the change, so that after any crash the log and the data agree.
//
// Rules: a change (made, linked, removed, renamed, attributesChanged, wrote, xattrChanged, allocated,
// flagsChanged) is told inside its journal handle, after it succeeded, with its locks held: the log must answer
// at once, take no lock of the file system and make no system call that could wait on another process (reading
// /proc/PID/cmdline waits for that process's memory map, which a page fault on this very mount may hold while its
// READ waits for the commit this handle holds up). So before the handle, xv6fs calls `prepare(for:)`, where the
// log does any such work for the request's process. `opened` and `read` are told outside any handle (they change
// nothing; what the log answers is dropped): the log keeps what it needs for `released`, whose record xv6fs
// appends in a small transaction of its own. A record that cannot be appended (the disk full, the log's file
// damaged) is counted and dropped: the log never fails a request.

/// What a request did, as xv6fs tells its operation log: inode numbers and names, no paths.
public enum Operation: Sendable, Hashable {
    /// A new object: `name` in `parent` (nil for an `O_TMPFILE` file, which has no name yet).
    case made(parent: Inode, name: FileName?, inode: Inode, type: FileType)
    /// A new name for an existing object.
    case linked(inode: Inode, parent: Inode, name: FileName)
    /// A name removed (unlink, rmdir); `isLast` when the object has no name left.
    case removed(parent: Inode, name: FileName, inode: Inode, isLast: Bool)
    /// A rename; `replaced` is the object the new name named before (exchanged with it for `RENAME_EXCHANGE`;
    /// `replacedIsGone` when that was its last name).
    case renamed(parent: Inode, name: FileName, newParent: Inode, newName: FileName, inode: Inode,
                 replaced: Inode?, exchanged: Bool, replacedIsGone: Bool)
    /// chmod, chown, truncate (setattr or an open with `O_TRUNC`), utimensat.
    case attributesChanged(inode: Inode, changes: AttributeChanges)
    /// A file opened (or made by create) with `handle`.
    case opened(inode: Inode, handle: FileHandle, flags: OpenFlags)
    /// Bytes read through `handle`.
    case read(inode: Inode, handle: FileHandle, offset: UInt64, count: Int)
    /// Bytes written through `handle`.
    case wrote(inode: Inode, handle: FileHandle, offset: UInt64, count: Int)
    /// `handle` closed (its last release).
    case released(inode: Inode, handle: FileHandle)
    /// An extended attribute set or removed.
    case xattrChanged(inode: Inode, name: XattrName, removed: Bool)
    /// fallocate: space allocated, zeroed or punched.
    case allocated(inode: Inode, offset: UInt64, length: UInt64, mode: FallocateMode)
    /// chattr flags set.
    case flagsChanged(inode: Inode, flags: InodeFlags)
}

/// Turns what requests do into records of an xv6fs image's operation log (ProvFS's provenance recorder).
public protocol OperationLog: Sendable {
    /// The records to append for `operation`, made by `request` (none, one, or more: a provenance log may first
    /// say who the process is). See the rules at the top of this file.
    func records(_ operation: Operation, by request: Request) -> [[UInt8]]
    /// Called before the journal handle of a change `request` makes: the time for slow work (learning who the
    /// request's process is), which `records` must not do.
    func prepare(for request: Request)
    /// The text of the report `topic` (`FileSystem.report`) over the log's records, oldest first, and what damage
    /// ended the readable log early, if any; `ENOSYS` for a topic it does not know.
    func report(_ topic: String, records: [[UInt8]], damage: String?) throws(Errno) -> String
}
