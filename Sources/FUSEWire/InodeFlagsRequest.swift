import BentoKit

// The inode-flag ioctls the kernel passes on as FUSE_IOCTL (`chattr`, `lsattr`, `xfs_io -c chattr`), in Linux's
// ABI: FS_IOC_GETFLAGS and FS_IOC_SETFLAGS (`_IOR`/`_IOW('f', 1/2, long)`, and the 32-bit `int` forms the kernel
// may send for compat callers) carry a 4-byte `FS_*_FL` word; FS_IOC_FSGETXATTR (`_IOR('X', 31, struct fsxattr)`)
// answers a 28-byte `struct fsxattr { xflags, extsize, nextents, projid, cowextsize, pad[8] }` whose xflags are
// `FS_XFLAG_*` bits. FS_IOC_FSSETXATTR is refused with EOPNOTSUPP, as tmpfs does.

/// What an inode-flag FUSE_IOCTL asks, and the bytes of its answer.
public enum InodeFlagsRequest: Sendable, Hashable {
    /// Report the flags: as an `FS_*_FL` word, or (`extended`) as a `struct fsxattr`.
    case get(extended: Bool)
    /// Replace the flags.
    case set(InodeFlags)

    static let getFlags: Set<UInt32> = [0x8008_6601, 0x8004_6601]
    static let setFlags: Set<UInt32> = [0x4008_6602, 0x4004_6602]
    static let getExtended: UInt32 = 0x801C_581F
    static let setExtended: UInt32 = 0x401C_5820
    /// `sizeof(struct fsxattr)`.
    static let extendedSize = 28
    /// `FS_XFLAG_*` bit for each flag.
    static let extendedBits: [(InodeFlags, UInt32)] = [
        (.immutable, 0x08), (.appendOnly, 0x10), (.noAccessTime, 0x40), (.noDump, 0x80),
    ]

    /// The request `command` makes, nil for a command that is none of these (answered ENOTTY). `EINVAL` when
    /// the input or the room for the answer is too small, `EOPNOTSUPP` for FS_IOC_FSSETXATTR.
    public init?(command: UInt32, input: [UInt8], outputSize: UInt32) throws(Errno) {
        if Self.getFlags.contains(command) {
            guard outputSize >= 4 else { throw .invalidArgument }
            self = .get(extended: false)
        } else if command == Self.getExtended {
            guard outputSize >= UInt32(Self.extendedSize) else { throw .invalidArgument }
            self = .get(extended: true)
        } else if Self.setFlags.contains(command) {
            guard input.count >= 4 else { throw .invalidArgument }
            self = .set(InodeFlags(rawValue: input[0..<4].reversed().reduce(0) { $0 << 8 | UInt32($1) }))
        } else if command == Self.setExtended {
            throw .notSupported
        } else {
            return nil
        }
    }

    /// The answer to a `get` for `flags`: the little-endian word, or a `struct fsxattr` holding them.
    public func output(_ flags: InodeFlags) -> [UInt8] {
        guard case .get(let extended) = self else { return [] }
        let word = extended ? Self.extendedBits.reduce(UInt32(0)) { flags.contains($1.0) ? $0 | $1.1 : $0 } : flags.rawValue
        let bytes = (0..<4).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) }
        return extended ? bytes + [UInt8](repeating: 0, count: Self.extendedSize - 4) : bytes
    }
}
