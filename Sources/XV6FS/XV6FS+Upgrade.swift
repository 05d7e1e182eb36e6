import BentoKit
import BentoServices

// Live upgrade: the device and the journal are handed over, the caches are not. `prepareUpgrade` checkpoints
// (everything committed and written home, the log empty), then encodes what lives only in memory: where the
// journal goes on, the open handles and each inode's kernel lookups and opens (so that unlinked-but-open files
// survive). The new version opens the same device path and rebuilds its caches from disk.
//
// State format `xv6fs`, version 1 (integers as `StateWriter` writes them):
//   data mode, journal sequence, journal head,
//   next handle, handle count, then per handle: handle, inode, open flags,
//   inode count, then per inode in use: number, lookups, opens

extension XV6FS: UpgradableFileSystem {
    /// The format's name.
    static let stateFormat = "xv6fs"
    /// The version this build writes and reads.
    static let stateVersion: UInt32 = 1

    /// Checkpoints the journal and encodes the journal position, open handles and inode counts.
    public func prepareUpgrade() throws(Errno) -> UpgradeState {
        if !readOnly.load(ordering: .relaxed) { try journal.checkpoint() }
        var out = StateWriter()
        out.write(dataMode.rawValue)
        let position = journal.position
        out.write(position.sequence)
        out.write(position.head)
        let open = handles.withLock { $0 }
        out.write(open.next)
        out.write(open.files.count)
        for (handle, file) in open.files {
            out.write(handle.rawValue)
            out.write(file.inode.rawValue)
            out.write(Int64(file.flags.rawValue))
        }
        let inUse = table.cached.compactMap { object in
            object.state.withLock { $0.lookups > 0 || $0.opens > 0 ? (object.number, $0.lookups, $0.opens) : nil }
        }
        out.write(inUse.count)
        for (number, lookups, opens) in inUse {
            out.write(UInt64(number))
            out.write(lookups)
            out.write(opens)
        }
        return UpgradeState(format: Self.stateFormat, version: Self.stateVersion, bytes: out.bytes)
    }

    /// Stops the committer; the successor owns the device from now on.
    public func retire() {
        isDestroyed.store(true, ordering: .releasing)
    }

    /// Takes over the mounted image on `device` from the version that prepared `state`: no replay, no orphan
    /// sweep (open files may be unlinked), the journal going on where it stopped.
    public convenience init(device: any BlockDevice, options: Options = .init(), clock: any BentoKit.Clock = SystemClock(),
                            resuming state: UpgradeState) throws(MountError) {
        do { try state.require(format: Self.stateFormat, versions: Self.stateVersion...Self.stateVersion) } catch {
            throw MountError(error.description)
        }
        let superblock = try Self.readSuperblock(device)
        var input = StateReader(state.bytes)
        let decoded = try MountError.io { () throws(Errno) -> (DataMode, Journal.Position, HandleTable, [(UInt32, UInt64, Int)]) in
            guard let mode = DataMode(rawValue: try input.readUInt32()) else { throw .invalidArgument }
            let position = Journal.Position(sequence: try input.readUInt64(), head: try input.readUInt64())
            guard position.head < superblock.journalBlocks - 1 else { throw .invalidArgument }
            let next = try input.readUInt64()
            var files: [FileHandle: OpenFile] = [:]
            for _ in 0..<(try input.readInt()) {
                let handle = FileHandle(try input.readUInt64()), inode = Inode(try input.readUInt64())
                files[handle] = OpenFile(inode: inode, flags: OpenFlags(rawValue: Int32(truncatingIfNeeded: try input.readInt64())))
            }
            var counts: [(UInt32, UInt64, Int)] = []
            for _ in 0..<(try input.readInt()) {
                counts.append((try input.readUInt32(), try input.readUInt64(), try input.readInt()))
            }
            guard input.isAtEnd else { throw .invalidArgument }
            return (mode, position, HandleTable(files: files, next: next), counts)
        }
        var resumed = options
        resumed.dataMode = decoded.0
        try self.init(device: device, options: resumed, clock: clock, superblock: superblock, position: decoded.1)
        try checkConsistency(wasClean: false)
        handles.withLock { $0 = decoded.2 }
        for (number, lookups, opens) in decoded.3 {
            let object = try MountError.io { () throws(Errno) in try table.get(UInt64(number)) }
            object.state.withLock { state in
                state.lookups = lookups
                state.opens = opens
            }
        }
    }
}

extension Journal {
    /// Where the next transaction will be logged.
    var position: Position {
        log.withLock { Position(sequence: $0.committed + 1, head: $0.head) }
    }
}

/// xv6fs as a loadable module (the `XV6FSModuleV1`/`V2` libraries) and as `bento`'s built-in `xv6fs` type.
/// SOURCE is the image or block device; `-o data=journal|ordered` picks the data mode.
public final class XV6FSModule: FileSystemModule {
    public let name = "xv6fs"
    public let version: String
    public let summary = "journaled xv6 file system (SOURCE: an image or block device)"
    /// Whether files answer `user.bento.version` with `version`.
    private let showsVersion: Bool

    /// The module at `version`; `showsVersion` makes every file answer `user.bento.version`.
    public init(version: String, showsVersion: Bool = false) {
        self.version = version
        self.showsVersion = showsVersion
    }

    /// Mounts the image at `source`.
    public func make(source: String, options: ModuleOptions) throws(ModuleError) -> any FileSystem {
        do { return try XV6FS(device: try open(source, options), options: xv6Options(options)) } catch {
            throw ModuleError("\(error)")
        }
    }

    /// Takes over the mounted image at `source`: opens the same device again and goes on from `state`.
    public func resume(from state: UpgradeState, source: String, options: ModuleOptions) throws(ModuleError) -> any FileSystem {
        do { return try XV6FS(device: try open(source, options), options: xv6Options(options), resuming: state) } catch {
            throw ModuleError("\(error)")
        }
    }

    private func open(_ source: String, _ options: ModuleOptions) throws(ModuleError) -> FileBlockDevice {
        do { return try FileBlockDevice.open(path: source, readOnly: options.readOnly) } catch {
            throw ModuleError("\(error)")
        }
    }

    private func xv6Options(_ options: ModuleOptions) -> XV6FS.Options {
        let mode = options.extra["data"].flatMap { $0 == "journal" ? DataMode.journal : $0 == "ordered" ? .ordered : nil }
        return XV6FS.Options(dataMode: mode, checksPermissions: !options.defaultPermissions, readOnly: options.readOnly,
                             versionAttribute: showsVersion ? version : nil)
    }
}
