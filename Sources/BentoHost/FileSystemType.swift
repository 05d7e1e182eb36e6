#if canImport(Glibc)
import Glibc
#endif
import BentoKit

/// A kind of file system the host can mount: its name, version and how to build one from a mount's source.
public struct FileSystemType: Sendable {
    /// Builds a file system for a mount's source (an image, a directory, a word) with the mount's options.
    public typealias Make = @Sendable (_ source: String, _ options: MountOptions) throws(HostError) -> any FileSystem

    /// The name used with `bento mount --fs NAME` and shown as `fuse.NAME` in /proc/mounts.
    public let name: String
    /// The implementation's version, shown by `bento status`.
    public let version: String
    /// One line saying what it is, for `--help` and errors.
    public let summary: String
    /// Builds a file system for `source` (an image, a directory, a word) with the mount's options.
    public private(set) var make: Make
    /// The module behind the type, which takes part in live upgrades; nil for types that cannot be upgraded.
    public let module: (any FileSystemModule)?

    /// A file-system type that cannot be upgraded live.
    public init(name: String, version: String, summary: String, make: @escaping Make) {
        self.name = name
        self.version = version
        self.summary = summary
        self.make = make
        self.module = nil
    }

    /// The type a module (built in or loaded from a shared library) provides.
    public init(module: any FileSystemModule) {
        name = module.name
        version = module.version
        summary = module.summary
        make = { source, options throws(HostError) in
            do { return try module.make(source: source, options: options.moduleOptions) } catch {
                throw HostError("\(source): \(error)")
            }
        }
        self.module = module
    }

    /// This type with `check` run on the source before each fresh mount (an upgrade does not run it again):
    /// an image lock, say.
    public func checkingSource(_ check: @escaping @Sendable (_ source: String) throws(HostError) -> Void) -> FileSystemType {
        var checked = self
        let make = self.make
        checked.make = { source, options throws(HostError) in
            try check(source)
            return try make(source, options)
        }
        return checked
    }
}

extension MountOptions {
    /// These options as a module sees them; the mounting user owns a new file system's root.
    public var moduleOptions: ModuleOptions {
        ModuleOptions(readOnly: readOnly, defaultPermissions: defaultPermissions,
                      owner: UserID(getuid()), group: GroupID(getgid()), extra: extra)
    }
}
