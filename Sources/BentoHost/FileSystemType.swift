import BentoKit
import BentoSystem

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
    /// The `-o` options it takes besides the common ones (`MountOptions.common`).
    public let optionNames: Set<String>
    /// Whether its file systems check permissions themselves on a mount without `default_permissions`
    /// (`FileSystemModule.checksPermissions`).
    public let checksPermissions: Bool

    /// A file-system type that cannot be upgraded live, taking the options `optionNames` besides the common ones.
    public init(name: String, version: String, summary: String, optionNames: Set<String> = [],
                checksPermissions: Bool = false, make: @escaping Make) {
        self.name = name
        self.version = version
        self.summary = summary
        self.optionNames = optionNames
        self.checksPermissions = checksPermissions
        self.make = make
        self.module = nil
    }

    /// The type a module (built in or loaded from a shared library) provides.
    public init(module: any FileSystemModule) {
        name = module.name
        version = module.version
        summary = module.summary
        optionNames = Set(module.optionNames)
        checksPermissions = module.checksPermissions
        make = { source, options throws(HostError) in
            do { return try module.make(source: source, options: options.moduleOptions) } catch {
                throw HostError("\(source): \(error)")
            }
        }
        self.module = module
    }

    /// Refuses, naming them, the options this type does not take: a misspelt or misplaced option would otherwise
    /// be ignored without a word (`-o noexec` on a mount that cannot honour it, `data=journal` on memfs). Refuses
    /// `allow_other` without `default_permissions` for a type that does no permission checks of its own: every
    /// user would act with the daemon's rights.
    public func check(_ options: MountOptions) throws(HostError) {
        if options.allowOther, !options.defaultPermissions, !checksPermissions {
            throw HostError("""
                \(name) does no permission checks of its own: allow_other needs default_permissions (drop \
                no_default_permissions), or every user would act with the daemon's rights
                """)
        }
        let unknown = options.unknown(besides: optionNames)
        guard !unknown.isEmpty else { return }
        let own = optionNames.isEmpty ? "none" : optionNames.sorted().joined(separator: ", ")
        let names = unknown.map { "-o \($0)" }.joined(separator: ", ")
        throw HostError("""
            \(names): not \(unknown.count == 1 ? "an option" : "options") of \(name) (its own: \(own); every type \
            takes the common ones in `bento mount --help`)
            """)
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
                      owner: UserID(HostProcess.userID), group: GroupID(HostProcess.groupID), accessTimes: accessTimes, extra: extra)
    }
}
