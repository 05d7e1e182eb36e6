/// A file system packaged as a loadable module (a shared library: `bento mount --fs libX.so`, `bento upgrade`),
/// or built into `bento`.
///
/// The library exports one C entry point, `bento_module`, returning its module through
/// `FileSystemModules.export`:
///
/// ```swift
/// @_cdecl("bento_module")
/// public func bentoModule() -> OpaquePointer { FileSystemModules.export(MyModule()) }
/// ```
///
/// A module carries its own copy of BentoKit: Swift marks a shared library's public symbols protected, so the
/// module's references to BentoKit bind inside the module, never to the host's copy. Both copies come from the
/// same source and compiler, so values and witness tables have one layout and calls across work; but type
/// identity does not cross (a dynamic cast of a module's value to the host's `UpgradableFileSystem` fails). Hence
/// the host never casts what a module made: it asks the module that made a file system to prepare and retire it.
public protocol FileSystemModule: AnyObject, Sendable {
    /// The file-system type's name (`memfs`), shown by `bento status`.
    var name: String { get }
    /// This build's version (`2.0.0`), shown by `bento status`.
    var version: String { get }
    /// One line saying what it is.
    var summary: String { get }
    /// The `-o` options of its own that it reads from `ModuleOptions.extra` (`data`, `cache_size`); the host
    /// refuses, before mounting, any option that is neither one of these nor one every type takes.
    var optionNames: [String] { get }
    /// Whether its file systems check permissions themselves when the kernel does not (a mount without
    /// `default_permissions`). One that does not must not be mounted `allow_other` without `default_permissions`:
    /// every user would act with the daemon's rights, and the host refuses that mount.
    var checksPermissions: Bool { get }
    /// A new file system for a fresh mount of `source`.
    func make(source: String, options: ModuleOptions) throws(ModuleError) -> any FileSystem
    /// A file system that goes on from `state`, which an earlier version's `prepareUpgrade` returned while it
    /// served `source`. Refuses state in a format or version it does not know.
    func resume(from state: UpgradeState, source: String, options: ModuleOptions) throws(ModuleError) -> any FileSystem
    /// The state of `fileSystem`, which this module made, for its next version (`UpgradableFileSystem`).
    func prepareUpgrade(of fileSystem: any FileSystem) throws(ModuleError) -> UpgradeState
    /// Retires `fileSystem`, which this module made, once its next version took over.
    func retire(_ fileSystem: any FileSystem)
    /// Tells `fileSystem`, which this module made, that an upgrade begins (`UpgradableFileSystem.beginUpgrade`).
    func beginUpgrade(of fileSystem: any FileSystem)
    /// Tells `fileSystem`, which this module made, that the upgrade did not happen.
    func cancelUpgrade(of fileSystem: any FileSystem)
    /// Runs what `resume` runs once, on scratch state of the module's own that touches no device or mount, so
    /// that a new daemon about to take a mount over (`bento upgrade --daemon`) has paged its code in and made its
    /// runtime metadata before the pause instead of inside it. Keeps nothing. The default does nothing.
    func warmUp()
}

extension FileSystemModule {
    /// None: only the options every type takes.
    public var optionNames: [String] { [] }

    /// No: a module says so when its file systems check permissions themselves.
    public var checksPermissions: Bool { false }

    /// Refuses: a module whose file systems cannot be upgraded live has no state to go on from.
    public func resume(from state: UpgradeState, source: String, options: ModuleOptions) throws(ModuleError) -> any FileSystem {
        throw ModuleError("\(name) \(version) cannot go on from another version's state: it cannot be upgraded live")
    }

    /// Asks an `UpgradableFileSystem` for its state; other file systems cannot be upgraded live.
    public func prepareUpgrade(of fileSystem: any FileSystem) throws(ModuleError) -> UpgradeState {
        try prepare(fileSystem as? any UpgradableFileSystem)
    }

    /// Calls an `UpgradableFileSystem`'s `retire`.
    public func retire(_ fileSystem: any FileSystem) {
        (fileSystem as? any UpgradableFileSystem)?.retire()
    }

    /// Calls an `UpgradableFileSystem`'s `beginUpgrade` (before the pause: a protocol cast is affordable here).
    public func beginUpgrade(of fileSystem: any FileSystem) {
        (fileSystem as? any UpgradableFileSystem)?.beginUpgrade()
    }

    /// Calls an `UpgradableFileSystem`'s `cancelUpgrade`.
    public func cancelUpgrade(of fileSystem: any FileSystem) {
        (fileSystem as? any UpgradableFileSystem)?.cancelUpgrade()
    }

    /// Nothing to warm.
    public func warmUp() {}

    /// `prepareUpgrade(of:)` for a module whose file systems are instances of class `Kind`: a class cast, where
    /// the default's cast to a protocol looks the conformance up (tens of microseconds of the pause, measured).
    public func prepareUpgrade<Kind: UpgradableFileSystem & AnyObject>(of fileSystem: any FileSystem,
                                                                        as kind: Kind.Type) throws(ModuleError) -> UpgradeState {
        try prepare(fileSystem as? Kind)
    }

    /// `retire(_:)` for a module whose file systems are instances of class `Kind` (see `prepareUpgrade(of:as:)`).
    public func retire<Kind: UpgradableFileSystem & AnyObject>(_ fileSystem: any FileSystem, as kind: Kind.Type) {
        (fileSystem as? Kind)?.retire()
    }

    private func prepare(_ upgradable: (any UpgradableFileSystem)?) throws(ModuleError) -> UpgradeState {
        guard let upgradable else {
            throw ModuleError("\(name) \(version) cannot hand over its state (it is not an UpgradableFileSystem)")
        }
        do { return try upgradable.prepareUpgrade() } catch {
            throw ModuleError("\(name) \(version) could not prepare its state: \(error)")
        }
    }
}

/// The mount's settings as a module sees them (the host's `MountOptions`, without the host's types).
public struct ModuleOptions: Sendable, Hashable {
    /// The mount is read-only.
    public var readOnly: Bool
    /// The kernel checks permissions (`default_permissions`), so the file system need not.
    public var defaultPermissions: Bool
    /// The user who mounts (owner of a new file system's root).
    public var owner: UserID
    /// That user's group.
    public var group: GroupID
    /// When reads update access times (`relatime`, `strictatime`, `noatime`; the last given wins).
    public var accessTimes: AccessTimes
    /// Options the host does not know (`data=journal`), by name; flags map to "".
    public var extra: [String: String]

    /// Mount settings.
    public init(readOnly: Bool = false, defaultPermissions: Bool = true, owner: UserID = .root, group: GroupID = .root,
                accessTimes: AccessTimes = .relatime, extra: [String: String] = [:]) {
        self.readOnly = readOnly
        self.defaultPermissions = defaultPermissions
        self.owner = owner
        self.group = group
        self.accessTimes = accessTimes
        self.extra = extra
    }
}

/// Why a module could not make, resume or prepare a file system, in words for the user.
public struct ModuleError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, and the fix where there is one.
    public let description: String

    /// An error with a message.
    public init(_ description: String) { self.description = description }
}

/// How a module's entry point hands its `FileSystemModule` to the host: one retained object behind an opaque
/// pointer, which `ModuleLoader` (BentoHost) takes back. The only unmanaged reference in BentoKit, kept here so
/// that module code stays free of unsafe constructs.
public enum FileSystemModules {
    /// What crosses: the module, and a fingerprint of the layouts both sides must agree on.
    public final class Export: Sendable {
        /// `FileSystemModules.fingerprint` as the module's BentoKit computed it; read first, at a fixed offset.
        public let fingerprint: [Int]
        /// The module.
        public let module: any FileSystemModule

        init(_ module: any FileSystemModule) {
            self.fingerprint = FileSystemModules.fingerprint
            self.module = module
        }
    }

    /// The version of the interface between host and module: the minor grows with every change to `FileSystem`,
    /// `FileSystemModule` or a value that crosses between them, the major when a change is more than additions.
    /// A host loads only modules built against the same version.
    public static let interfaceVersion = (major: 1, minor: 1)

    /// The export format (2), the interface version, then the sizes of the values that cross between host and
    /// module: a module built from another BentoKit shows a different fingerprint and is refused before any call.
    public static var fingerprint: [Int] {
        [2, interfaceVersion.major, interfaceVersion.minor, MemoryLayout<Request>.size, MemoryLayout<Entry>.size, MemoryLayout<Attributes>.size,
         MemoryLayout<AttributesReply>.size, MemoryLayout<OpenReply>.size, MemoryLayout<CreateReply>.size,
         MemoryLayout<Connection>.size, MemoryLayout<DirectoryListing>.size, MemoryLayout<FileSystemStatistics>.size,
         MemoryLayout<AttributeChanges>.size, MemoryLayout<ModuleOptions>.size, MemoryLayout<UpgradeState>.size,
         MemoryLayout<ModuleError>.size, MemoryLayout<Errno>.size]
    }

    /// The BentoKit interface version a fingerprint names (`1.1`), or what it can say of an older format.
    public static func version(of fingerprint: [Int]) -> String {
        guard fingerprint.count > 2, fingerprint[0] >= 2 else { return "an earlier one (before interface versions)" }
        return "\(fingerprint[1]).\(fingerprint[2])"
    }

    /// Hands `module` over: a retained `Export` the host takes with `Unmanaged.takeRetainedValue`.
    public static func export(_ module: any FileSystemModule) -> OpaquePointer {
        OpaquePointer(Unmanaged.passRetained(Export(module)).toOpaque())
    }
}

extension FileSystem {
    /// Creates a file `warm` in the root and writes three bytes to it, ignoring failures: the calls a module's
    /// `warmUp` makes on its scratch file system before it hands the state over.
    public func makeWarmUpFile() {
        guard let name = try? FileName("warm"),
              let made = try? create(.root, parent: .root, name: name, mode: FileMode(type: .regular, permissions: 0o644),
                                     flags: .readWrite) else { return }
        _ = try? write(.root, inode: made.entry.inode, handle: made.open.handle, offset: 0, data: [1, 2, 3], flags: .readWrite)
    }
}
