import BentoKit

/// One decoded request's arguments, by operation. The inode the operation is about (`nodeid`) is in the
/// `RequestHeader`; names are validated, data is copied out of the request buffer.
public enum Operation: Sendable, Hashable {
    /// Start the session with the kernel's protocol version and offer.
    case initialize(InitArguments)
    /// End the session.
    case destroy
    /// Find `name` in the header's directory.
    case lookup(name: FileName)
    /// Drop `count` lookups of the header's inode.
    case forget(count: UInt64)
    /// Drop lookups of many inodes.
    case batchForget([ForgetItem])
    /// Report the header's inode attributes; `handle` is set for fstat.
    case getattr(handle: FileHandle?)
    /// Change attributes.
    case setattr(AttributeChanges)
    /// Read the symlink's target.
    case readlink
    /// Make symlink `name` → `target` in the header's directory.
    case symlink(name: FileName, target: [UInt8])
    /// Make a node; `mode` as the kernel sent it (umask already applied unless `FUSE_DONT_MASK`), `umask` the caller's.
    case mknod(name: FileName, mode: FileMode, device: UInt32, umask: UInt32)
    /// Make a directory; `mode` and `umask` as for `mknod`.
    case mkdir(name: FileName, mode: FileMode, umask: UInt32)
    /// Remove a non-directory name.
    case unlink(name: FileName)
    /// Remove a directory.
    case rmdir(name: FileName)
    /// Rename (RENAME has no flags; RENAME2 carries them).
    case rename(name: FileName, newParent: Inode, newName: FileName, flags: RenameFlags)
    /// Link `inode` as `newName` in the header's directory.
    case link(inode: Inode, newName: FileName)
    /// Open the header's file.
    case open(flags: OpenFlags)
    /// Read `size` bytes at `offset`.
    case read(handle: FileHandle, offset: UInt64, size: UInt32)
    /// Write the request's bytes at `data` to the file at `offset`.
    case write(handle: FileHandle, offset: UInt64, data: RequestPayload, flags: OpenFlags)
    /// Report file-system statistics.
    case statfs
    /// Close an open file.
    case release(handle: FileHandle, flags: OpenFlags)
    /// Sync an open file.
    case fsync(handle: FileHandle, dataOnly: Bool)
    /// Set an extended attribute (`flags` may hold `clearSetGroupID`, from the extended form's ACL flag).
    case setxattr(name: XattrName, value: [UInt8], flags: XattrFlags)
    /// Read an extended attribute into at most `size` bytes (0 = report the size needed).
    case getxattr(name: XattrName, size: UInt32)
    /// List extended attribute names into at most `size` bytes (0 = report the size needed).
    case listxattr(size: UInt32)
    /// Remove an extended attribute.
    case removexattr(name: XattrName)
    /// A descriptor of an open file was closed.
    case flush(handle: FileHandle, lockOwner: UInt64)
    /// Open the header's directory.
    case opendir(flags: OpenFlags)
    /// List a directory into at most `size` bytes from position `offset`.
    case readdir(handle: FileHandle, offset: UInt64, size: UInt32)
    /// Like `readdir`, with each entry's attributes.
    case readdirplus(handle: FileHandle, offset: UInt64, size: UInt32)
    /// Close an open directory.
    case releasedir(handle: FileHandle)
    /// Sync a directory.
    case fsyncdir(handle: FileHandle, dataOnly: Bool)
    /// Check the caller's access.
    case access(mask: AccessMask)
    /// Create and open a file; `mode` and `umask` as for `mknod`.
    case create(name: FileName, mode: FileMode, flags: OpenFlags, umask: UInt32)
    /// Make and open a regular file with no name in the header's directory (`open(O_TMPFILE)`); `mode` and
    /// `umask` as for `mknod`.
    case tmpfile(mode: FileMode, flags: OpenFlags, umask: UInt32)
    /// An `ioctl(2)` the kernel passes on: `command` with `input` (the bytes the caller gave), wanting up to
    /// `outputSize` bytes back.
    case ioctl(handle: FileHandle, command: UInt32, input: [UInt8], outputSize: UInt32)
    /// Interrupt the request with id `unique`.
    case interrupt(unique: UInt64)
    /// Allocate, punch or zero a range.
    case fallocate(handle: FileHandle, offset: UInt64, length: UInt64, mode: FallocateMode)
    /// Find data or holes.
    case lseek(handle: FileHandle, offset: UInt64, whence: SeekWhence)
    /// Copy a range from the header's file to another open file.
    case copyFileRange(CopyRangeArguments)
    /// An opcode Bento does not implement (answered `ENOSYS`).
    case unknown(opcode: UInt32)

    /// The caller's umask, sent with the operations that make an object (0 for the others).
    public var umask: UInt32 {
        switch self {
        case .mknod(_, _, _, let umask), .mkdir(_, _, let umask), .create(_, _, _, let umask), .tmpfile(_, _, let umask):
            umask
        default:
            0
        }
    }
}

/// The arguments of INIT (`fuse_init_in`).
public struct InitArguments: Sendable, Hashable {
    /// The kernel's protocol major version.
    public var major: UInt32
    /// The kernel's protocol minor version.
    public var minor: UInt32
    /// The kernel's largest readahead, in bytes.
    public var maximumReadahead: UInt32
    /// What the kernel offers: `flags`, with `flags2` in the upper 32 bits when `FUSE_INIT_EXT` is set.
    public var flags: InitFlags

    /// INIT arguments as the kernel sends them.
    public init(major: UInt32, minor: UInt32, maximumReadahead: UInt32, flags: InitFlags) {
        self.major = major
        self.minor = minor
        self.maximumReadahead = maximumReadahead
        self.flags = flags
    }

    /// What the kernel offers in BentoKit terms: its flags, plus nanosecond times from 7.23 (`time_gran`).
    public var offeredCapabilities: Capabilities {
        var offered = flags.capabilities
        if minor >= WireLayout.fullInitOutMinor { offered.insert(.nanosecondTimes) }
        return offered
    }
}

/// One inode of a BATCH_FORGET (`fuse_forget_one`).
public struct ForgetItem: Sendable, Hashable {
    /// The inode whose lookups are dropped.
    public var inode: Inode
    /// How many lookups are dropped.
    public var count: UInt64

    /// An inode and a lookup count.
    public init(inode: Inode, count: UInt64) {
        self.inode = inode
        self.count = count
    }
}

/// The arguments of COPY_FILE_RANGE (`fuse_copy_file_range_in`); the source inode is the header's.
public struct CopyRangeArguments: Sendable, Hashable {
    /// The source's open handle.
    public var sourceHandle: FileHandle
    /// Where to read in the source.
    public var sourceOffset: UInt64
    /// The destination inode.
    public var destination: Inode
    /// The destination's open handle.
    public var destinationHandle: FileHandle
    /// Where to write in the destination.
    public var destinationOffset: UInt64
    /// How many bytes to copy.
    public var length: UInt64
    /// `copy_file_range(2)` flags (always 0 today).
    public var flags: UInt64

    /// The arguments of one copy.
    public init(sourceHandle: FileHandle, sourceOffset: UInt64, destination: Inode, destinationHandle: FileHandle,
                destinationOffset: UInt64, length: UInt64, flags: UInt64) {
        self.sourceHandle = sourceHandle
        self.sourceOffset = sourceOffset
        self.destination = destination
        self.destinationHandle = destinationHandle
        self.destinationOffset = destinationOffset
        self.length = length
        self.flags = flags
    }
}
