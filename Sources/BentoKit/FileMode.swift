/// The kind of a file-system object, as the `S_IFMT` bits of a mode.
public enum FileType: UInt32, Sendable, Hashable, CaseIterable {
    /// A FIFO (`S_IFIFO`).
    case fifo = 0o010000
    /// A character device (`S_IFCHR`).
    case characterDevice = 0o020000
    /// A directory (`S_IFDIR`).
    case directory = 0o040000
    /// A block device (`S_IFBLK`).
    case blockDevice = 0o060000
    /// A regular file (`S_IFREG`).
    case regular = 0o100000
    /// A symbolic link (`S_IFLNK`).
    case symbolicLink = 0o120000
    /// A Unix-domain socket (`S_IFSOCK`).
    case socket = 0o140000

    /// The type as a `d_type` value for directory listings (`DT_DIR` and friends).
    public var directoryEntryType: UInt32 { rawValue >> 12 }
}

/// A `st_mode`: file type plus permission bits (`S_IFMT | S_ISUID | S_ISGID | S_ISVTX | 0777`).
public struct FileMode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The raw mode bits.
    public var rawValue: UInt32
    /// Wraps raw mode bits.
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// Builds a mode from a type and permission bits (`0o4755` style, the type bits of `permissions` ignored).
    public init(type: FileType, permissions: UInt32) {
        self.rawValue = type.rawValue | (permissions & 0o7777)
    }

    /// The type bits (`S_IFMT`).
    public static let typeMask: UInt32 = 0o170000
    /// Set-user-id on execution (`S_ISUID`).
    public static let setUserID: UInt32 = 0o4000
    /// Set-group-id (`S_ISGID`): on a directory, new entries take its group.
    public static let setGroupID: UInt32 = 0o2000
    /// Sticky (`S_ISVTX`): in a directory, only owners may remove or rename entries.
    public static let sticky: UInt32 = 0o1000

    /// The object's type, or nil when the type bits name no known type.
    public var type: FileType? { FileType(rawValue: rawValue & Self.typeMask) }
    /// The permission bits including set-id and sticky (`07777`).
    public var permissions: UInt32 {
        get { rawValue & 0o7777 }
        set { rawValue = (rawValue & Self.typeMask) | (newValue & 0o7777) }
    }
    /// True for directories.
    public var isDirectory: Bool { type == .directory }
    /// True for regular files.
    public var isRegular: Bool { type == .regular }
    /// True for symbolic links.
    public var isSymbolicLink: Bool { type == .symbolicLink }

    public var description: String { "0" + String(rawValue, radix: 8) }
}
