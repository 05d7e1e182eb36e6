import BentoKit
import BentoServices

// Live upgrade: the device and the journal are handed over, the caches are not flushed. `prepareUpgrade` stops
// the journal (no commit or checkpoint writes from then on, so the pause holds no device I/O) and encodes what
// lives only in memory: where the journal goes on, the running transaction, the bytes of every block the
// journal pins (committed but not yet home, or running), the freed blocks not reusable before a checkpoint, the
// open handles and each inode's kernel lookups and opens (so that unlinked-but-open files survive), and the
// device's open descriptor. The new version takes over that descriptor (a block device stays claimed: it could
// not be opened again while the old version holds it, and a moved image does not matter), loads the pinned
// blocks into its cache and rebuilds the rest from disk.
// On disk nothing changed: the log holds the committed transactions, exactly as if the old instance had not
// checkpointed yet, so a crash after the upgrade replays as usual. Beyond `Journal.handoverLimit` pinned bytes
// the journal checkpoints first and hands over an empty log (the version 1 way).
//
// State format `xv6fs` (integers as `StateWriter` writes them):
//   version 1: data mode, journal sequence, journal head, HANDLES (the log was empty: checkpointed)
//   version 2: data mode, journal sequence, journal head, log blocks used,
//              running block count, then each block number, pinned block count, then per block: number, bytes,
//              pending free count, then each block number, HANDLES
//   version 3: the device's descriptor in this process (−1: none, reopen the source), then version 2 with,
//              after the pending frees, the frozen copy count, then per block: number, bytes
//   version 4: as version 3, but the device named by its index in `UpgradeState.descriptors` (−1: none), so that
//              the state can cross to another process (a daemon handoff), which sees its own number for it
//   HANDLES:   next handle, handle count, then per handle: handle, inode, open flags,
//              inode count, then per inode in use: number, lookups, opens

extension XV6FS: UpgradableFileSystem {
    /// The format's name.
    static let stateFormat = "xv6fs"
    /// The version this build writes; it reads every version from 1 on.
    static let stateVersion: UInt32 = 4

    /// Stops the journal and encodes its in-memory state, the open handles and the inode counts.
    public func prepareUpgrade() throws(Errno) -> UpgradeState {
        flushOperationLog()  // the records of reads still waiting go into the running transaction, handed over
        var out = StateWriter()
        let descriptors = [(device as? FileBlockDevice)?.descriptor].compactMap { $0 }
        out.write(Int64(descriptors.isEmpty ? -1 : 0))
        out.write(dataMode.rawValue)
        let handover = readOnly.load(ordering: .relaxed)
            ? Journal.Handover(position: journal.position, used: 0, running: [], pinned: [])
            : try journal.handOver()
        out.write(handover.position.sequence)
        out.write(handover.position.head)
        out.write(handover.used)
        out.write(handover.running.count)
        for block in handover.running { out.write(block.rawValue) }
        out.write(handover.pinned.count)
        for (block, bytes) in handover.pinned {
            out.write(block.rawValue)
            out.write(bytes)
        }
        let pending = allocator.pendingFrees
        out.write(pending.count)
        for block in pending { out.write(block) }
        out.write(handover.frozen.count)
        for (block, bytes) in handover.frozen {
            out.write(block.rawValue)
            out.write(bytes)
        }
        let open = handles.withLock { $0 }
        out.write(open.next)
        out.write(open.files.count)
        for (handle, file) in open.files {
            out.write(handle.rawValue)
            out.write(file.inode.rawValue)
            out.write(Int64(file.flags.rawValue))
        }
        let inUse = table.inUse
        out.write(inUse.count)
        for (number, lookups, opens) in inUse {
            out.write(UInt64(number))
            out.write(lookups)
            out.write(opens)
        }
        return UpgradeState(format: Self.stateFormat, version: Self.stateVersion, bytes: out.bytes, descriptors: descriptors)
    }

    /// Stops the committer; the successor owns the device from now on (the journal, handed over, writes nothing).
    public func retire() {
        isDestroyed.store(true, ordering: .releasing)
    }

    /// Holds commits back and waits for the one under way, so the pause holds no device I/O: an fsync arriving
    /// from now on asks to be retried, and runs on the next version.
    public func beginUpgrade() {
        journal.hold()
    }

    /// Lets commits start again.
    public func cancelUpgrade() {
        journal.release()
    }

    /// What a state holds, decoded.
    private struct Resumed {
        var mode: DataMode
        var handover: Journal.Handover
        var pendingFrees: [UInt64] = []
        var handles: HandleTable
        var counts: [(UInt32, UInt64, Int)] = []
    }

    /// Takes over the mounted image on `device` from the version that prepared `state`: no replay, no orphan
    /// sweep (open files may be unlinked), the journal going on where it stopped with the blocks it pinned.
    public convenience init(device: any BlockDevice, options: Options = .init(), clock: any BentoKit.Clock = SystemClock(),
                            resuming state: UpgradeState) throws(MountError) {
        do { try state.require(format: Self.stateFormat, versions: 1...Self.stateVersion) } catch {
            throw MountError(error.description)
        }
        let superblock = try Self.readSuperblock(device)
        let decoded = try MountError.io { () throws(Errno) -> Resumed in
            try Self.decode(state, journalBlocks: superblock.journalBlocks, deviceBlocks: superblock.blockCount)
        }
        var resumed = options
        resumed.dataMode = decoded.mode
        try self.init(device: device, options: resumed, clock: clock, superblock: superblock,
                      position: decoded.handover.position, handover: decoded.handover)
        allocator.pendingFrees = decoded.pendingFrees
        try checkConsistency(wasClean: false)
        handles.withLock { $0 = decoded.handles }
        for (number, lookups, opens) in decoded.counts {
            let object = try MountError.io { () throws(Errno) in try table.get(UInt64(number)) }
            object.state.withLock { state in
                state.lookups = lookups
                state.opens = opens
            }
        }
        openOperationLog()
    }

    /// The device descriptor a version 3 or 4 state hands over, if any (the module takes it over before `init`):
    /// version 3 names it by number, version 4 by its index in the state's descriptors.
    public static func handedOverDescriptor(in state: UpgradeState) -> Int32? {
        guard state.format == stateFormat, state.version >= 3 else { return nil }
        var input = StateReader(state.bytes)
        guard let value = try? input.readInt64(), value >= 0, value <= Int64(Int32.max) else { return nil }
        guard state.version >= 4 else { return Int32(value) }
        return state.descriptors.indices.contains(Int(value)) ? state.descriptors[Int(value)] : nil
    }

    /// Decodes a version 1 to 4 state; `EINVAL` when it is short, long or out of range for this image.
    private static func decode(_ state: UpgradeState, journalBlocks: UInt64, deviceBlocks: UInt64) throws(Errno) -> Resumed {
        var input = StateReader(state.bytes)
        if state.version >= 3 { _ = try input.readInt64() }  // the descriptor: the device is already open
        guard let mode = DataMode(rawValue: try input.readUInt32()) else { throw .invalidArgument }
        let position = Journal.Position(sequence: try input.readUInt64(), head: try input.readUInt64())
        guard position.head < journalBlocks - 1, Journal.sequences.contains(position.sequence) else { throw .invalidArgument }
        var handover = Journal.Handover(position: position, used: 0, running: [], pinned: [])
        var pendingFrees: [UInt64] = []
        if state.version >= 2 {
            handover.used = try input.readUInt64()
            for _ in 0..<(try input.readCount()) { handover.running.append(try input.readBlock(below: deviceBlocks)) }
            for _ in 0..<(try input.readCount()) {
                handover.pinned.append((try input.readBlock(below: deviceBlocks), try input.readBytes()))
            }
            for _ in 0..<(try input.readCount()) { pendingFrees.append(try input.readBlock(below: deviceBlocks).rawValue) }
        }
        if state.version >= 3 {
            for _ in 0..<(try input.readCount()) {
                handover.frozen.append((try input.readBlock(below: deviceBlocks), try input.readBytes()))
            }
        }
        let next = try input.readUInt64()
        guard next < UInt64.max else { throw .invalidArgument }  // `open` counts on from it
        var files: [FileHandle: OpenFile] = [:]
        for _ in 0..<(try input.readCount()) {
            let handle = FileHandle(try input.readUInt64()), inode = Inode(try input.readUInt64())
            guard handle.rawValue < next else { throw .invalidArgument }  // handed out before `next`
            files[handle] = OpenFile(inode: inode, flags: OpenFlags(rawValue: Int32(truncatingIfNeeded: try input.readInt64())))
        }
        var resumed = Resumed(mode: mode, handover: handover, pendingFrees: pendingFrees,
                              handles: HandleTable(files: files, next: next))
        for _ in 0..<(try input.readCount()) {
            resumed.counts.append((try input.readUInt32(), try input.readUInt64(), try input.readCount()))
        }
        guard input.isAtEnd else { throw .invalidArgument }
        return resumed
    }
}

extension StateReader {
    /// A block number on a device of `blocks` blocks; `EINVAL` beyond it.
    mutating func readBlock(below blocks: UInt64) throws(Errno) -> BlockNumber {
        let block = try readUInt64()
        guard block < blocks else { throw .invalidArgument }
        return BlockNumber(block)
    }
}

extension Journal {
    /// Where the next transaction will be logged.
    var position: Position {
        log.withLock { Position(sequence: $0.committed + 1, head: $0.head) }
    }
}

/// xv6fs as a loadable module (the `XV6FSModuleV1`/`V2` libraries) and as `bento`'s built-in `xv6fs` type; with
/// an operation log, the same code under another name (provfs: `ProvFS.module`). SOURCE is the image or block
/// device; `-o data=journal|ordered` picks the data mode, `-o cache_size=256M` the memory its caches may use.
/// Modules with and without a log take over each other's mounts: the state is xv6fs's either way.
public final class XV6FSModule: FileSystemModule {
    public let name: String
    public let version: String
    public let summary: String
    /// `data=journal|ordered` and `cache_size=SIZE`.
    public let optionNames = ["cache_size", "data"]
    /// Yes: without `default_permissions` xv6fs checks every access itself.
    public let checksPermissions = true
    /// Whether files answer `user.bento.version` with `version`.
    private let showsVersion: Bool
    /// Makes the operation log of each mount, if the module keeps one.
    private let operationLog: (@Sendable () -> any OperationLog)?

    /// The xv6fs module at `version`; `showsVersion` makes every file answer `user.bento.version`.
    public convenience init(version: String, showsVersion: Bool = false) {
        self.init(name: "xv6fs", version: version, summary: "journaled xv6 file system (SOURCE: an image or block device)",
                  showsVersion: showsVersion, operationLog: nil)
    }

    /// A module of xv6fs's code called `name`, whose mounts keep the operation log `operationLog` makes.
    public init(name: String, version: String, summary: String, showsVersion: Bool = false,
                operationLog: (@Sendable () -> any OperationLog)?) {
        self.name = name
        self.version = version
        self.summary = summary
        self.showsVersion = showsVersion
        self.operationLog = operationLog
    }

    /// Mounts the image at `source`.
    /// Formats a small in-memory disk, makes a change, hands the state over and resumes from it: the resume path
    /// of a daemon handoff, run once before its pause.
    public func warmUp() {
        let disk = SimulatedDisk(blockCount: 2048)
        guard (try? XV6FS.mkfs(device: disk)) != nil,
              let first = try? XV6FS(device: disk, options: XV6FS.Options(commitInterval: nil)) else { return }
        first.makeWarmUpFile()
        guard let state = try? first.prepareUpgrade() else { return }
        first.retire()
        if let second = try? XV6FS(device: disk, options: XV6FS.Options(commitInterval: nil), resuming: state) {
            second.destroy()
        }
    }

    public func make(source: String, options: ModuleOptions) throws(ModuleError) -> any FileSystem {
        let parsed = try xv6Options(options)
        do { return try XV6FS(device: try open(source, options), options: parsed) } catch {
            throw ModuleError("\(error)")
        }
    }

    /// The state of a XV6FS this module made.
    public func prepareUpgrade(of fileSystem: any FileSystem) throws(ModuleError) -> UpgradeState {
        try prepareUpgrade(of: fileSystem, as: XV6FS.self)
    }

    /// Retires a XV6FS this module made.
    public func retire(_ fileSystem: any FileSystem) { retire(fileSystem, as: XV6FS.self) }

    /// Takes over the mounted image at `source` and goes on from `state`: on the device descriptor the state
    /// hands over (version 3), else on `source` opened again.
    public func resume(from state: UpgradeState, source: String, options: ModuleOptions) throws(ModuleError) -> any FileSystem {
        let parsed = try xv6Options(options)
        do {
            let device = try XV6FS.handedOverDescriptor(in: state).map { (descriptor: Int32) throws(ModuleError) in
                do { return try FileBlockDevice.duplicating(descriptor: descriptor, path: source) } catch {
                    throw ModuleError("\(error)")
                }
            } ?? open(source, options)
            return try XV6FS(device: device, options: parsed, resuming: state)
        } catch {
            throw ModuleError("\(error)")
        }
    }

    private func open(_ source: String, _ options: ModuleOptions) throws(ModuleError) -> FileBlockDevice {
        do { return try FileBlockDevice.open(path: source, readOnly: options.readOnly) } catch {
            throw ModuleError("\(error)")
        }
    }

    /// The mount's options: `data=journal|ordered` and `cache_size=SIZE` (`256M`, `1G`); a value that is not one
    /// of those is refused before anything is opened.
    private func xv6Options(_ options: ModuleOptions) throws(ModuleError) -> XV6FS.Options {
        var mode: DataMode?
        switch options.extra["data"] {
        case nil: mode = nil
        case "journal": mode = .journal
        case "ordered": mode = .ordered
        case let other?: throw ModuleError("data=\(other) is not a data mode (journal or ordered)")
        }
        var cacheSize: UInt64?
        if let text = options.extra["cache_size"] {
            do { cacheSize = try ByteSize.parse(text) } catch { throw ModuleError("cache_size: \(error)") }
        }
        return XV6FS.Options(dataMode: mode, cacheSize: cacheSize, checksPermissions: !options.defaultPermissions,
                             readOnly: options.readOnly, versionAttribute: showsVersion ? version : nil,
                             accessTimes: options.accessTimes, operationLog: operationLog?())
    }
}
