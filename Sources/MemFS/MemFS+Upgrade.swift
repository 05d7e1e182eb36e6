import BentoKit

// Live upgrade: MemFS hands its whole tree to the next version as bytes (`MemFSStateCodec`), and goes on from
// such bytes. Both versions may share the process, but they share no Swift type: only the versioned bytes.

extension MemFS: UpgradableFileSystem {
    /// The whole tree, open handles and lookup counts, encoded (format `memfs`, `MemFSStateCodec.version`).
    public func prepareUpgrade() throws(Errno) -> UpgradeState {
        try locked { (state: inout State) throws(Errno) -> UpgradeState in
            UpgradeState(format: MemFSStateCodec.format, version: MemFSStateCodec.version,
                         bytes: MemFSStateCodec.encode(state))
        }
    }

    /// A file system going on from `state`, which a MemFS's `prepareUpgrade` returned, with `options` for its
    /// limits. Refuses another format, a version this build does not read, and damaged bytes.
    public convenience init(resuming state: UpgradeState, options: Options = .init(),
                            clock: any BentoKit.Clock = SystemClock()) throws(ModuleError) {
        try state.require(format: MemFSStateCodec.format, versions: MemFSStateCodec.versions)
        let decoded: State
        do { decoded = try MemFSStateCodec.decode(state.bytes, version: state.version, limits: Self.limits(options)) } catch {
            throw ModuleError("damaged memfs state (\(state.bytes.count) bytes): \(error)")
        }
        self.init(options: options, clock: clock, state: decoded)
    }
}

/// MemFS as a loadable module (the `MemFSModuleV1`/`V2` libraries) and as `bento`'s built-in `memfs` type.
public final class MemFSModule: FileSystemModule {
    public let name = "memfs"
    public let version: String
    public let summary = "in-memory file system (SOURCE: any word)"
    /// Yes: without `default_permissions` memfs checks every access itself.
    public let checksPermissions = true
    /// Whether files answer `user.bento.version` with `version`.
    private let showsVersion: Bool

    /// The module at `version`; `showsVersion` makes every file answer `user.bento.version`.
    public init(version: String, showsVersion: Bool = false) {
        self.version = version
        self.showsVersion = showsVersion
    }

    /// An empty MemFS; its root belongs to whoever mounts.
    public func make(source: String, options: ModuleOptions) throws(ModuleError) -> any FileSystem {
        MemFS(options: memFSOptions(options))
    }

    /// The state of a MemFS this module made.
    public func prepareUpgrade(of fileSystem: any FileSystem) throws(ModuleError) -> UpgradeState {
        try prepareUpgrade(of: fileSystem, as: MemFS.self)
    }

    /// Retires a MemFS this module made.
    public func retire(_ fileSystem: any FileSystem) { retire(fileSystem, as: MemFS.self) }

    /// A MemFS going on from a predecessor's state.
    public func resume(from state: UpgradeState, source: String, options: ModuleOptions) throws(ModuleError) -> any FileSystem {
        try MemFS(resuming: state, options: memFSOptions(options))
    }

    /// Hands a one-file tree over and resumes from it: the resume path of a daemon handoff, run before its pause.
    public func warmUp() {
        let first = MemFS(options: MemFS.Options())
        first.makeWarmUpFile()
        guard let state = try? first.prepareUpgrade() else { return }
        _ = try? MemFS(resuming: state, options: MemFS.Options())
    }

    private func memFSOptions(_ options: ModuleOptions) -> MemFS.Options {
        MemFS.Options(checksPermissions: !options.defaultPermissions, rootOwner: options.owner, rootGroup: options.group,
                      versionAttribute: showsVersion ? version : nil, accessTimes: options.accessTimes)
    }
}
