// The kernel ABI in one place: sizes and flag bits of the `fuse.h` structs Bento reads and writes.
//
// Source: include/uapi/linux/fuse.h, protocol 7.38 (Bento replies with minor = min(kernel's, 38)), plus the later
// fields a kernel reads whatever the minor once their flag is negotiated: passthrough (7.40, `Passthrough.swift`)
// and FUSE over io_uring (7.42, `RingLayout.swift`).
// Everything is little-endian (x86-64, arm64) and 8-byte padded. Decoders and encoders read the field
// offsets from the layouts drawn below; nothing else in Bento knows them.
//
//   fuse_in_header (40)    u32 len · u32 opcode · u64 unique · u64 nodeid · u32 uid · u32 gid · u32 pid
//                          · u16 total_extlen (8-byte units of extensions at the end) · u16 padding
//   fuse_out_header (16)   u32 len · i32 error (-errno or 0) · u64 unique
//   fuse_attr (88)         u64 ino, size, blocks, atime, mtime, ctime · u32 atimensec, mtimensec, ctimensec,
//                          mode, nlink, uid, gid, rdev, blksize, flags
//   fuse_entry_out (128)   u64 nodeid, generation, entry_valid, attr_valid · u32 entry_valid_nsec,
//                          attr_valid_nsec · fuse_attr
//   fuse_attr_out (104)    u64 attr_valid · u32 attr_valid_nsec · u32 dummy · fuse_attr
//   fuse_open_out (16)     u64 fh · u32 open_flags · i32 backing_id (7.40; padding before, read whatever the minor)
//   fuse_write_out (8)     u32 size · u32 padding               (also the reply to COPY_FILE_RANGE)
//   fuse_kstatfs (80)      u64 blocks, bfree, bavail, files, ffree · u32 bsize, namelen, frsize, padding
//                          · u32 spare[6]
//   fuse_getxattr_out (8)  u32 size · u32 padding
//   fuse_lseek_out (8)     u64 offset
//   fuse_init_out (64)     u32 major, minor, max_readahead, flags · u16 max_background, congestion_threshold
//                          · u32 max_write, time_gran · u16 max_pages, map_alignment · u32 flags2
//                          · u32 max_stack_depth (7.40, read with FUSE_PASSTHROUGH whatever the minor)
//                          · u16 request_timeout (7.43, unused) · u16 unused[11]
//                                                   (kernels before 7.23 take the first 24 bytes only)
//   fuse_dirent (24+name)  u64 ino, off · u32 namelen, type · name, padded to 8 bytes
//   fuse_direntplus        fuse_entry_out · fuse_dirent
//
// Request bodies (after fuse_in_header), by opcode:
//   INIT            u32 major, minor, max_readahead, flags · u32 flags2 · u32 unused[11]
//   LOOKUP, UNLINK, RMDIR                   name\0
//   FORGET          u64 nlookup
//   BATCH_FORGET    u32 count · u32 dummy · count × (u64 nodeid · u64 nlookup)
//   GETATTR         u32 getattr_flags · u32 dummy · u64 fh
//   SETATTR (88)    u32 valid · u32 padding · u64 fh, size, lock_owner, atime, mtime, ctime · u32 atimensec,
//                   mtimensec, ctimensec, mode, unused4, uid, gid, unused5
//   SYMLINK         name\0 target\0
//   MKNOD           u32 mode, rdev, umask, padding · name\0
//   MKDIR           u32 mode, umask · name\0
//   RENAME          u64 newdir · oldname\0 newname\0
//   RENAME2         u64 newdir · u32 flags · u32 padding · oldname\0 newname\0
//   LINK            u64 oldnodeid · newname\0
//   OPEN, OPENDIR   u32 flags · u32 open_flags
//   CREATE          u32 flags, mode, umask, open_flags · name\0
//   READ, READDIR, READDIRPLUS (40)   u64 fh, offset · u32 size, read_flags · u64 lock_owner · u32 flags, padding
//   WRITE (40)      u64 fh, offset · u32 size, write_flags · u64 lock_owner · u32 flags, padding · data
//   RELEASE, RELEASEDIR (24)          u64 fh · u32 flags, release_flags · u64 lock_owner
//   FLUSH (24)      u64 fh · u32 unused, padding · u64 lock_owner
//   FSYNC, FSYNCDIR (16)              u64 fh · u32 fsync_flags · u32 padding
//   SETXATTR        u32 size · u32 flags · name\0 value   (without FUSE_SETXATTR_EXT)
//                   u32 size · u32 flags · u32 setxattr_flags · u32 padding · name\0 value   (with it)
//   GETXATTR        u32 size · u32 padding · name\0
//   LISTXATTR       u32 size · u32 padding
//   REMOVEXATTR     name\0
//   ACCESS          u32 mask · u32 padding
//   INTERRUPT       u64 unique
//   FALLOCATE (32)  u64 fh, offset, length · u32 mode · u32 padding
//   LSEEK (24)      u64 fh, offset · u32 whence · u32 padding
//   COPY_FILE_RANGE (56)  u64 fh_in, off_in, nodeid_out, fh_out, off_out, len, flags
//   DESTROY, STATFS, READLINK               (no body)

/// Sizes and constants of the FUSE kernel ABI that the transport and the protocol server need.
public enum WireLayout {
    /// The protocol major version Bento speaks (`FUSE_KERNEL_VERSION`).
    public static let protocolMajor: UInt32 = 7
    /// The highest protocol minor version Bento speaks (`FUSE_KERNEL_MINOR_VERSION` of the mirrored header).
    public static let protocolMinor: UInt32 = 38
    /// The oldest minor version Bento accepts: from 7.12 on, every request body has its current size.
    public static let oldestMinor: UInt32 = 12
    /// Size of `fuse_in_header`, which starts every request.
    public static let inHeaderSize = 40
    /// Size of `fuse_out_header`, which starts every reply.
    public static let outHeaderSize = 16
    /// Pages per request Bento asks for with `FUSE_MAX_PAGES` (256 × 4 KiB = 1 MiB).
    public static let maximumPages: UInt16 = 256
    /// The largest write Bento accepts, matching `maximumPages`.
    public static let maximumWrite: UInt32 = 1 << 20
    /// The largest READ, READDIR or READDIRPLUS size accepted: `maximumPages` pages of the largest page size
    /// Linux has (64 KiB), so no kernel's request is refused and no request makes a file system allocate more.
    public static let maximumTransfer: UInt32 = UInt32(maximumPages) << 16
    /// The smallest `max_write` the kernel honours.
    public static let minimumWrite: UInt32 = 4096

    static let attrSize = 88
    static let entryOutSize = 40 + attrSize
    static let attrOutSize = 16 + attrSize
    static let openOutSize = 16
    static let statfsOutSize = 80
    static let initOutSize = 64
    /// `fuse_init_out` as kernels before 7.23 know it (up to and including `max_write`).
    static let compatInitOutSize = 24
    /// The first minor version with the 64-byte `fuse_init_out` (`time_gran`, `max_pages`, `flags2`).
    static let fullInitOutMinor: UInt32 = 23
    /// `fuse_dirent` without its name.
    static let direntHeaderSize = 24
    /// Longest symlink target or path the kernel passes (`PATH_MAX`, including the NUL).
    static let maximumPathLength = 4096
    /// `FUSE_SETXATTR_ACL_KILL_SGID` in the extended `fuse_setxattr_in.setxattr_flags`.
    static let setxattrACLKillSetGroupID: UInt32 = 1 << 0
}

/// Bits of `fuse_setattr_in.valid`: which fields of a SETATTR request are set.
enum SetattrValid {
    static let mode: UInt32 = 1 << 0
    static let uid: UInt32 = 1 << 1
    static let gid: UInt32 = 1 << 2
    static let size: UInt32 = 1 << 3
    static let atime: UInt32 = 1 << 4
    static let mtime: UInt32 = 1 << 5
    static let fh: UInt32 = 1 << 6
    static let atimeNow: UInt32 = 1 << 7
    static let mtimeNow: UInt32 = 1 << 8
    static let lockOwner: UInt32 = 1 << 9
    static let ctime: UInt32 = 1 << 10
    static let killSUIDGID: UInt32 = 1 << 11
}

/// `FUSE_GETATTR_FH`: the GETATTR request carries the open file's handle (fstat).
let getattrHandleFlag: UInt32 = 1 << 0
/// `FUSE_FSYNC_FDATASYNC`: sync data only.
let fsyncDataOnlyFlag: UInt32 = 1 << 0
/// `fuse_write_in.write_flags`: FUSE_WRITE_CACHE, a write of the kernel's cached pages (mmap or the writeback
/// cache) at the offset the kernel chose.
let writeOfCachedPagesFlag: UInt32 = 1 << 0
