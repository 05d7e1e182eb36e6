import BentoKit

// FUSE passthrough (7.40+, Linux 6.9+): the kernel sends reads, writes and mmap of an open file straight to a backing
// host file instead of to the daemon. Source: include/uapi/linux/fuse.h; fs/fuse/backing.c, iomode.c, passthrough.c.
//
// Rules the kernel enforces, and what follows for a server:
// - INIT: `FUSE_PASSTHROUGH` (flags2) with `max_stack_depth` 1 or 2; refused (silently off) with the writeback cache.
// - A backing file is registered on `/dev/fuse` with `FUSE_DEV_IOC_BACKING_OPEN` (needs CAP_SYS_ADMIN; regular files
//   only) and answered as `fuse_open_out.backing_id` with `FOPEN_PASSTHROUGH`. The kernel holds its own reference
//   to the open file from then on; the server's descriptor may close.
// - The opener looks the id up after the OPEN or CREATE reply is written, in its own task: the id must stay
//   registered until then. Every passthrough open of one inode must name the same backing file while any is open,
//   and an inode open without passthrough refuses passthrough opens (and the reverse): each such mistake is EIO.
//   `FUSE_DEV_IOC_BACKING_CLOSE` is therefore safe once the inode's last open file is released.

/// A backing file the kernel registered (`FUSE_DEV_IOC_BACKING_OPEN`'s result, `fuse_open_out.backing_id`): positive.
public struct BackingID: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The kernel's id.
    public let rawValue: Int32
    /// Wraps an id; nil for 0 and negative values, which name no backing file.
    public init?(rawValue: Int32) {
        guard rawValue > 0 else { return nil }
        self.rawValue = rawValue
    }

    /// `backing N`, for messages.
    public var description: String { "backing \(rawValue)" }
}

/// `FOPEN_PASSTHROUGH`: the open file is passed through to `fuse_open_out.backing_id`. Set by the encoder only.
let passthroughOpenFlag: UInt32 = 1 << 7

extension OpenOptions {
    /// The options the kernel accepts beside `FOPEN_PASSTHROUGH` (`FOPEN_PASSTHROUGH_MASK` of fs/fuse/iomode.c); any
    /// other, `FOPEN_KEEP_CACHE` included, fails the open with EIO.
    static let passthroughCompatible: OpenOptions = [.directIO, .parallelDirectWrites, .noFlush]
}

/// The ioctls of `/dev/fuse` (`FUSE_DEV_IOC_*`, magic 229) and the bytes of their arguments.
public enum DeviceControl {
    /// `FUSE_DEV_IOC_CLONE` = `_IOR(229, 0, uint32_t)`: attaches a new `/dev/fuse` descriptor to the session of the
    /// descriptor in the argument.
    public static let clone: UInt = 0x8004_E500
    /// `FUSE_DEV_IOC_BACKING_OPEN` = `_IOW(229, 1, struct fuse_backing_map)`: registers the descriptor in the
    /// argument as a backing file; returns its id.
    public static let backingOpen: UInt = 0x4010_E501
    /// `FUSE_DEV_IOC_BACKING_CLOSE` = `_IOW(229, 2, uint32_t)`: drops the backing id in the argument.
    public static let backingClose: UInt = 0x4004_E502

    /// `struct fuse_backing_map { int32 fd; uint32 flags; uint64 padding }` naming `descriptor`.
    public static func backingMap(_ descriptor: Int32) -> [UInt8] {
        var writer = WireWriter(capacity: 16)
        writer.append(descriptor)
        writer.append(UInt32(0))  // flags
        writer.append(UInt64(0))  // padding
        return writer.bytes
    }

    /// A `uint32_t` argument: a descriptor for CLONE, a backing id for BACKING_CLOSE.
    public static func word(_ value: UInt32) -> [UInt8] {
        var writer = WireWriter(capacity: 4)
        writer.append(value)
        return writer.bytes
    }
}
