#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemPackage

/// What the host's `stat(2)` says about an object, as plain values (`struct stat`).
public struct HostStat: Sendable, Hashable {
    /// The device holding the object (`st_dev`).
    public var device: UInt64
    /// The host inode number (`st_ino`).
    public var inode: UInt64
    /// Type and permission bits (`st_mode`).
    public var mode: UInt32
    /// Hard links (`st_nlink`).
    public var linkCount: UInt64
    /// Owner (`st_uid`).
    public var uid: UInt32
    /// Group (`st_gid`).
    public var gid: UInt32
    /// The device a device node stands for (`st_rdev`).
    public var specialDevice: UInt64
    /// Size in bytes (`st_size`).
    public var size: Int64
    /// Preferred I/O size (`st_blksize`).
    public var blockSize: Int64
    /// Space used in 512-byte units (`st_blocks`).
    public var blocks: Int64
    /// Last access (`st_atim`).
    public var accessTime: HostTime
    /// Last modification (`st_mtim`).
    public var modificationTime: HostTime
    /// Last status change (`st_ctim`).
    public var changeTime: HostTime

    init(_ raw: stat) {
        device = UInt64(raw.st_dev)
        inode = UInt64(raw.st_ino)
        mode = UInt32(raw.st_mode)
        linkCount = UInt64(raw.st_nlink)
        uid = UInt32(raw.st_uid)
        gid = UInt32(raw.st_gid)
        specialDevice = UInt64(raw.st_rdev)
        size = Int64(raw.st_size)
        blockSize = Int64(raw.st_blksize)
        blocks = Int64(raw.st_blocks)
        accessTime = HostTime(raw.st_atim)
        modificationTime = HostTime(raw.st_mtim)
        changeTime = HostTime(raw.st_ctim)
    }
}

/// A host timestamp (`struct timespec`): seconds and nanoseconds since the epoch.
public struct HostTime: Sendable, Hashable {
    /// Whole seconds since the epoch.
    public var seconds: Int64
    /// Nanoseconds within the second.
    public var nanoseconds: Int64

    /// A timestamp.
    public init(seconds: Int64, nanoseconds: Int64) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    init(_ time: timespec) { self.init(seconds: Int64(time.tv_sec), nanoseconds: Int64(time.tv_nsec)) }
}

/// What the host's `statvfs(3)` says about the file system holding an object.
public struct HostVolumeStatistics: Sendable, Hashable {
    /// Block size (`f_bsize`).
    public var blockSize: UInt64
    /// Fragment size (`f_frsize`).
    public var fragmentSize: UInt64
    /// Total blocks in fragment units (`f_blocks`).
    public var totalBlocks: UInt64
    /// Free blocks (`f_bfree`).
    public var freeBlocks: UInt64
    /// Free blocks for unprivileged users (`f_bavail`).
    public var availableBlocks: UInt64
    /// Total inodes (`f_files`).
    public var totalInodes: UInt64
    /// Free inodes (`f_ffree`).
    public var freeInodes: UInt64
    /// Longest name (`f_namemax`).
    public var maximumNameLength: UInt64
}

extension HostDescriptor {
    /// The attributes of the object this descriptor names, not following a symlink (`fstatat` with an empty path).
    public func status() throws(Errno) -> HostStat {
        var raw = stat()
        _ = try systemCall { fstatat(rawValue, "", &raw, Linux.emptyPath | AT_SYMLINK_NOFOLLOW) }
        return HostStat(raw)
    }

    /// The attributes of `name` in this directory, not following a symlink (`fstatat`).
    public func status(of name: some Collection<UInt8>) throws(Errno) -> HostStat {
        var raw = stat()
        _ = try withCString(name) { (cName) throws(Errno) in
            try systemCall { fstatat(rawValue, cName, &raw, AT_SYMLINK_NOFOLLOW) }
        }
        return HostStat(raw)
    }

    /// Space and inode usage of the file system holding this object (`fstatvfs`; works on `O_PATH`).
    public func volumeStatistics() throws(Errno) -> HostVolumeStatistics {
        var raw = statvfs()
        _ = try systemCall { fstatvfs(rawValue, &raw) }
        return HostVolumeStatistics(
            blockSize: UInt64(raw.f_bsize), fragmentSize: UInt64(raw.f_frsize),
            totalBlocks: UInt64(raw.f_blocks), freeBlocks: UInt64(raw.f_bfree), availableBlocks: UInt64(raw.f_bavail),
            totalInodes: UInt64(raw.f_files), freeInodes: UInt64(raw.f_ffree), maximumNameLength: UInt64(raw.f_namemax))
    }
}

extension HostDescriptor {
    /// Whether the object lives on a file system stacked over others (`fstatfs` type overlayfs, eCryptfs or FUSE,
    /// which may pass through to yet another), so that FUSE passthrough to it needs one stacking level more.
    public func isOnStackedFileSystem() throws(Errno) -> Bool {
        var type: Int64 = 0
        _ = try systemCall { GNU.fileSystemType(rawValue, &type) }
        return Self.stackedFileSystemTypes.contains(UInt64(truncatingIfNeeded: type))
    }

    /// `OVERLAYFS_SUPER_MAGIC`, `ECRYPTFS_SUPER_MAGIC`, `FUSE_SUPER_MAGIC` (include/uapi/linux/magic.h).
    private static let stackedFileSystemTypes: Set<UInt64> = [0x794C_7630, 0xF15F, 0x6573_5546]
}
