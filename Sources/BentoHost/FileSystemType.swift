import BentoKit

/// A kind of file system the host can mount: its name, version and how to build one from a mount's source.
public struct FileSystemType: Sendable {
    /// The name used with `bento mount --fs NAME` and shown as `fuse.NAME` in /proc/mounts.
    public let name: String
    /// The implementation's version, shown by `bento status`.
    public let version: String
    /// One line saying what it is, for `--help` and errors.
    public let summary: String
    /// Builds a file system for `source` (an image, a directory, a word) with the mount's options.
    public let make: @Sendable (_ source: String, _ options: MountOptions) throws(HostError) -> any FileSystem

    /// A file-system type.
    public init(name: String, version: String, summary: String,
                make: @escaping @Sendable (_ source: String, _ options: MountOptions) throws(HostError) -> any FileSystem) {
        self.name = name
        self.version = version
        self.summary = summary
        self.make = make
    }
}
