import BentoKit

/// One record of provfs's provenance log: who did what to which inode, when.
///
/// Records name inodes by number (the node ids the kernel and `stat` see) and names by their directory's inode,
/// never by full path: paths are worked out when the log is read (`ProvenanceNames`). A `process` record says
/// who a pid is; the others carry the pid only, and the process record written before them (on this mount)
/// names it. Fields a kind does not use are nil, and JSON leaves them out.
public struct ProvenanceRecord: Sendable, Hashable, Codable {
    /// What a record says happened.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// Who `pid` is: `parentPid`, `processGroup` (its job), `started`, `executable`, `commandLine`.
        case process
        /// A new object (`type`) named `name` in `parent` (no name for an `O_TMPFILE` file).
        case create
        /// A new name `name` in `parent` for `inode`.
        case link
        /// The name `name` in `parent` removed; `last` when `inode` has no name left.
        case unlink
        /// `name` in `parent` renamed to `newName` in `newParent`; `replaced` was there (swapped when `exchanged`;
        /// `last` when that was its last name).
        case rename
        /// chmod, chown, truncate or utimensat: the new `mode`, `uid`, `gid` or `size`, and which `times` were set.
        case setattr
        /// The first write through an open file: `offset`, `length` (`bytesWritten` totals come at close).
        case write
        /// An open file closed: `bytesRead`, `bytesWritten`, `firstRead`, `firstWrite` (offsets).
        case close
        /// An extended attribute `attribute` set.
        case setxattr
        /// An extended attribute `attribute` removed.
        case removexattr
        /// fallocate of `length` bytes at `offset` (`flags`: its mode).
        case fallocate
        /// chattr: the inode's new `flags`.
        case chattr
    }

    /// What happened.
    public var kind: Kind
    /// When, as seconds and nanoseconds since the epoch (the daemon's clock).
    public var seconds: Int64
    public var nanoseconds: UInt32
    /// The process (thread group) that made the request; 0 when the kernel did on its own.
    public var pid: UInt32
    /// The caller's user and group.
    public var uid: UInt32
    public var gid: UInt32
    /// The object; 0 in `process` records.
    public var inode: UInt64
    /// `create`: the type, as `FileType` names it (`regular`, `directory`, `symbolicLink`, …).
    public var type: String?
    /// The directory of `name`.
    public var parent: UInt64?
    public var name: String?
    /// `rename`: the new name and its directory.
    public var newParent: UInt64?
    public var newName: String?
    /// `rename`: the object the new name named before.
    public var replaced: UInt64?
    /// `rename`: the two objects swapped names (`RENAME_EXCHANGE`).
    public var exchanged: Bool?
    /// `unlink`: the object has no name left.
    public var last: Bool?
    /// `write`, `fallocate`: the byte range.
    public var offset: UInt64?
    public var length: UInt64?
    /// `setattr`: what it set: the new size (a truncate), permission bits, owner and group, and which times
    /// (`atime`, `mtime`).
    public var size: UInt64?
    public var mode: UInt32?
    public var newUID: UInt32?
    public var newGID: UInt32?
    public var times: [String]?
    /// `fallocate`: its mode bits; `chattr`: the new inode flags.
    public var flags: UInt32?
    /// `setxattr`, `removexattr`: the attribute's name.
    public var attribute: String?
    /// `close`: bytes moved through the handle, and the offsets of its first read and first write.
    public var bytesRead: UInt64?
    public var bytesWritten: UInt64?
    public var firstRead: UInt64?
    public var firstWrite: UInt64?
    /// `process`: its parent's pid, its process group (the shell job it runs in), when it started (clock ticks since
    /// boot: a reused pid starts later), its executable and its arguments (each kept to 1 KiB, 8 KiB in all).
    public var parentPid: UInt32?
    public var processGroup: UInt32?
    public var started: UInt64?
    public var executable: String?
    public var commandLine: [String]?

    /// A record of `kind` about `inode` by `pid`, at `time`; set the kind's fields afterwards.
    public init(kind: Kind, time: Timestamp, pid: UInt32, uid: UInt32 = 0, gid: UInt32 = 0, inode: UInt64 = 0) {
        self.kind = kind
        seconds = time.seconds
        nanoseconds = time.nanoseconds
        self.pid = pid
        self.uid = uid
        self.gid = gid
        self.inode = inode
    }

    /// When it happened.
    public var time: Timestamp { Timestamp(seconds: seconds, nanoseconds: nanoseconds) }

    /// True for the kinds that change an object's contents (what `who-wrote` and lineage follow).
    public var writesData: Bool {
        switch kind {
        case .write, .fallocate: true
        case .close: (bytesWritten ?? 0) > 0
        case .setattr: size != nil
        case .create: type == "regular" || type == "symbolicLink"
        default: false
        }
    }

    /// True for a `close` of a handle that read.
    public var readsData: Bool { kind == .close && (bytesRead ?? 0) > 0 }
}
