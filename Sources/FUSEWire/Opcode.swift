/// The FUSE operations Bento decodes (`enum fuse_opcode`). Other opcodes decode as `Operation.unknown`.
public enum Opcode: UInt32, Sendable, Hashable, CaseIterable {
    /// Find a name in a directory (`FUSE_LOOKUP`).
    case lookup = 1
    /// Drop lookups of one inode; no reply (`FUSE_FORGET`).
    case forget = 2
    /// Read attributes (`FUSE_GETATTR`).
    case getattr = 3
    /// Change attributes (`FUSE_SETATTR`).
    case setattr = 4
    /// Read a symlink's target (`FUSE_READLINK`).
    case readlink = 5
    /// Make a symlink (`FUSE_SYMLINK`).
    case symlink = 6
    /// Make a file, device node, FIFO or socket (`FUSE_MKNOD`).
    case mknod = 8
    /// Make a directory (`FUSE_MKDIR`).
    case mkdir = 9
    /// Remove a non-directory (`FUSE_UNLINK`).
    case unlink = 10
    /// Remove a directory (`FUSE_RMDIR`).
    case rmdir = 11
    /// Rename without flags (`FUSE_RENAME`).
    case rename = 12
    /// Make a hard link (`FUSE_LINK`).
    case link = 13
    /// Open a file (`FUSE_OPEN`).
    case open = 14
    /// Read from an open file (`FUSE_READ`).
    case read = 15
    /// Write to an open file (`FUSE_WRITE`).
    case write = 16
    /// Report file-system statistics (`FUSE_STATFS`).
    case statfs = 17
    /// Close an open file (`FUSE_RELEASE`).
    case release = 18
    /// Sync a file (`FUSE_FSYNC`).
    case fsync = 20
    /// Set an extended attribute (`FUSE_SETXATTR`).
    case setxattr = 21
    /// Read an extended attribute (`FUSE_GETXATTR`).
    case getxattr = 22
    /// List extended attributes (`FUSE_LISTXATTR`).
    case listxattr = 23
    /// Remove an extended attribute (`FUSE_REMOVEXATTR`).
    case removexattr = 24
    /// A descriptor of an open file was closed (`FUSE_FLUSH`).
    case flush = 25
    /// Start the session (`FUSE_INIT`).
    case initialize = 26
    /// Open a directory (`FUSE_OPENDIR`).
    case opendir = 27
    /// List a directory (`FUSE_READDIR`).
    case readdir = 28
    /// Close an open directory (`FUSE_RELEASEDIR`).
    case releasedir = 29
    /// Sync a directory (`FUSE_FSYNCDIR`).
    case fsyncdir = 30
    /// Check access (`FUSE_ACCESS`).
    case access = 34
    /// Create and open a file (`FUSE_CREATE`).
    case create = 35
    /// Interrupt another request; no reply (`FUSE_INTERRUPT`).
    case interrupt = 36
    /// A control request on an open file (`FUSE_IOCTL`): Bento answers the inode-flag ones (`InodeFlagsRequest`).
    case ioctl = 39
    /// End the session (`FUSE_DESTROY`).
    case destroy = 38
    /// Drop lookups of many inodes; no reply (`FUSE_BATCH_FORGET`).
    case batchForget = 42
    /// Allocate or punch a range (`FUSE_FALLOCATE`).
    case fallocate = 43
    /// List a directory with attributes (`FUSE_READDIRPLUS`).
    case readdirplus = 44
    /// Rename with flags (`FUSE_RENAME2`).
    case rename2 = 45
    /// Find data or holes (`FUSE_LSEEK`).
    case lseek = 46
    /// Copy between open files (`FUSE_COPY_FILE_RANGE`).
    case copyFileRange = 47
    /// Create and open a file with no name (`FUSE_TMPFILE`, 7.37+: `open(O_TMPFILE)`).
    case tmpfile = 51

    /// The largest opcode number Bento knows; sizes per-opcode tables.
    public static let largestRawValue: UInt32 = allCases.map(\.rawValue).max() ?? 0

    /// Whether the kernel waits for a reply to the opcode `rawValue` (false for FORGET, BATCH_FORGET and
    /// INTERRUPT; true for every other number, known or not).
    public static func expectsReply(_ rawValue: UInt32) -> Bool {
        rawValue != Opcode.forget.rawValue && rawValue != Opcode.batchForget.rawValue
            && rawValue != Opcode.interrupt.rawValue
    }

    /// The name `fuse.h` gives the opcode without its `FUSE_` prefix (`LOOKUP`, `BATCH_FORGET`).
    public var name: String {
        switch self {
        case .initialize: "INIT"
        case .batchForget: "BATCH_FORGET"
        case .copyFileRange: "COPY_FILE_RANGE"
        default: String(describing: self).uppercased()
        }
    }
}
