#if canImport(Glibc)
import Glibc
#endif
import SystemPackage

/// `mount(2)` and `umount2(2)`, as a FUSE mount made by root uses them.
public enum KernelMount {
    /// The mount flags Bento sets (`MS_*`).
    public struct Flags: OptionSet, Sendable, Hashable {
        /// The raw `MS_*` bits.
        public var rawValue: UInt
        /// Wraps raw bits.
        public init(rawValue: UInt) { self.rawValue = rawValue }
        /// `MS_RDONLY`.
        public static let readOnly = Flags(rawValue: UInt(MS_RDONLY))
        /// `MS_NOSUID`: set-id bits mean nothing.
        public static let noSetID = Flags(rawValue: UInt(MS_NOSUID))
        /// `MS_NODEV`: device files cannot be opened.
        public static let noDevices = Flags(rawValue: UInt(MS_NODEV))
        /// `MS_NOATIME`.
        public static let noAccessTime = Flags(rawValue: UInt(MS_NOATIME))
        /// `MS_RELATIME`.
        public static let relativeAccessTime = Flags(rawValue: UInt(MS_RELATIME))
        /// `MS_STRICTATIME`.
        public static let strictAccessTime = Flags(rawValue: UInt(MS_STRICTATIME))
    }

    /// Mounts `source` of file-system type `type` (`fuse.NAME`) on `target` with `flags` and the driver's `data`.
    public static func mount(_ source: String, on target: String, type: String, flags: Flags, data: String) throws(Errno) {
        _ = try systemCall { Glibc.mount(source, target, type, flags.rawValue, data) }
    }

    /// Detaches the mount on `target` lazily (`MNT_DETACH`: open files keep working until closed).
    public static func detach(_ target: String) throws(Errno) {
        _ = try systemCall { umount2(target, Int32(MNT_DETACH)) }
    }
}
