import Foundation
import BentoKit
import BentoServices
import Synchronization

/// xv6fs: the journaled, xv6-derived file system of Bento (the paper's Bento-fs), on any `BlockDevice`.
///
/// Layers, bottom to top, as in xv6: the buffer cache (BentoServices) → `Journal` (log) → `Allocator`
/// (bitmaps) → `InodeTable`, `BlockMap`, `FileData` (inodes) → `Directories` (names) → the operations in the
/// `XV6FS+*.swift` facets (paths and namespace). The on-disk format is in `Layout.swift`.
///
/// Locking: no global lock around I/O. Each operation begins a journal handle, then takes the change locks of
/// the inodes it changes (parents first), does its I/O, and ends the handle. Cross-directory renames also take
/// the rename lock (as Linux's `s_vfs_rename_mutex`). Reads and lookups take no change lock.
///
/// Lifecycle: `init(device:)` checks the superblock, replays the journal, marks the image mounted and loads the
/// bitmaps; inodes are freed once unlinked, forgotten and closed; `destroy` frees orphans, checkpoints and marks
/// the image clean.
public final class XV6FS: FileSystem {
    /// How a mount behaves.
    public struct Options: Sendable {
        /// data=ordered or data=journal; nil takes the mode mkfs recorded.
        public var dataMode: DataMode?
        /// The memory the daemon may use for this mount (`-o cache_size=`): five eighths for the buffer cache, an
        /// eighth for inodes, the rest for the daemon itself (`cacheShares`); nil gives `defaultCacheSize`, or what
        /// `cacheBlocks` and `inodeCapacity` say. A budget whose block share cannot hold the journal is refused at
        /// mount.
        public var cacheSize: UInt64?
        /// Buffer-cache capacity in blocks, when no `cacheSize` is given; nil takes the default budget's share,
        /// and at least the journal + 32 MiB.
        public var cacheBlocks: Int?
        /// Inodes kept in memory, when no `cacheSize` is given; nil takes the default budget's share.
        public var inodeCapacity: Int?
        /// Check permissions here (off when the kernel checks them with `default_permissions`).
        public var checksPermissions: Bool
        /// Ask the kernel for its writeback cache.
        public var writebackCache: Bool
        /// Refuse every change with `EROFS` (no journal replay either).
        public var readOnly: Bool
        /// How often the running transaction commits on its own; nil runs no background thread at all: commits
        /// only on fsync, sync and unmount, checkpoints only when the log needs room (deterministic device
        /// writes, as the crash explorer needs).
        public var commitInterval: Duration?
        /// The value of `user.bento.version` on every file and directory; nil leaves that name to the user.
        public var versionAttribute: String?
        /// When reads and listings update access times (`-o relatime|strictatime|noatime`).
        public var accessTimes: AccessTimes
        /// What turns requests into records of the image's operation log (ProvFS's provenance recorder); nil
        /// keeps no log (one the image has stays as it is).
        public var operationLog: (any OperationLog)?

        /// Options; the defaults suit an in-process file system checking permissions itself.
        public init(dataMode: DataMode? = nil, cacheSize: UInt64? = nil, cacheBlocks: Int? = nil,
                    inodeCapacity: Int? = nil, checksPermissions: Bool = true,
                    writebackCache: Bool = false, readOnly: Bool = false,
                    commitInterval: Duration? = .seconds(5), versionAttribute: String? = nil,
                    accessTimes: AccessTimes = .relatime, operationLog: (any OperationLog)? = nil) {
            self.dataMode = dataMode
            self.cacheSize = cacheSize
            self.cacheBlocks = cacheBlocks
            self.inodeCapacity = inodeCapacity
            self.checksPermissions = checksPermissions
            self.writebackCache = writebackCache
            self.readOnly = readOnly
            self.commitInterval = commitInterval
            self.versionAttribute = versionAttribute
            self.accessTimes = accessTimes
            self.operationLog = operationLog
        }
    }

    /// The options of this mount.
    public let options: Options
    /// How data is journaled on this mount.
    public let dataMode: DataMode
    let clock: any BentoKit.Clock
    let device: any BlockDevice
    let superblock: Superblock
    let cache: BufferCache
    let journal: Journal
    let allocator: Allocator
    let table: InodeTable
    let map: BlockMap
    let data: FileData
    let directories: Directories
    let handles = Mutex(HandleTable())
    let renameLock = Mutex<Void>(())
    let readOnly: Atomic<Bool>
    let kernelCachesWrites = Atomic<Bool>(false)
    let isDestroyed = Atomic<Bool>(false)
    /// The operation log, once opened (`XV6FS+OperationLog.swift`).
    let logFile = Mutex<OperationLogState?>(nil)

    /// Mounts the xv6fs image on `device`: checks it, replays its journal and marks it mounted.
    /// Throws a `MountError` saying what is wrong with an image that is not a sound xv6fs.
    public convenience init(device: any BlockDevice, options: Options = .init(),
                            clock: any BentoKit.Clock = SystemClock()) throws(MountError) {
        var superblock = try Self.readSuperblock(device)
        var position = Journal.Position(sequence: 1, head: 0)
        let wasClean = superblock.state == .clean
        if !options.readOnly {
            let report = try MountError.io { () throws(Errno) in try Journal.recover(device: device, superblock: superblock) }
            if let problem = report.problem { throw MountError("the journal is damaged (\(problem)); run bento fsck --repair") }
            position = report.position
            superblock.state = .mounted
            superblock.mountCount += 1
            superblock.mountedSeconds = clock.now().seconds
            let marked = superblock
            try MountError.io { () throws(Errno) in
                try device.write(BlockNumber(0), marked.encoded)
                try device.flush()
            }
        }
        try self.init(device: device, options: options, clock: clock, superblock: superblock, position: position)
        try checkConsistency(wasClean: wasClean)
        if !wasClean, !options.readOnly {
            try MountError.io { () throws(Errno) in try freeOrphans() }
        }
        openOperationLog()
    }

    /// Builds the layers over `device` whose superblock is `superblock`, the journal going on at `position` (with
    /// what a previous instance handed over, after an upgrade), and starts the committer; the mount (or an
    /// upgrade) has dealt with the image's state.
    init(device: any BlockDevice, options: Options, clock: any BentoKit.Clock, superblock: Superblock,
         position: Journal.Position, handover: Journal.Handover? = nil) throws(MountError) {
        self.options = options
        self.clock = clock
        self.device = device
        dataMode = options.dataMode ?? superblock.dataMode
        self.superblock = superblock
        let (blocks, inodes) = try Self.cacheCapacities(options, journalBlocks: superblock.journalBlocks)
        cache = BufferCache(device: device, capacity: blocks)
        let journal = Journal(device: device, cache: cache, start: superblock.journalStart, blocks: superblock.journalBlocks,
                              position: position)
        self.journal = journal
        if let handover {
            do { try journal.adopt(handover) } catch { throw MountError("the handed-over journal state is unusable: \(error)") }
        }
        allocator = try MountError.io { () throws(Errno) in try Allocator(superblock: superblock, journal: journal) }
        table = InodeTable(superblock: superblock, journal: journal, capacity: inodes)
        map = BlockMap(superblock: superblock, journal: journal, allocator: allocator)
        data = FileData(map: map, mode: dataMode)
        directories = Directories(map: map)
        readOnly = Atomic(options.readOnly)
        if !options.readOnly, let interval = options.commitInterval {
            startCommitter(every: interval)
            startCheckpointer()
        }
    }

    /// Checkpoints whenever the journal asks for it (its log a quarter full), until unmount, so operations seldom
    /// wait for a checkpoint themselves (JBD2's checkpointing ahead of need).
    private func startCheckpointer() {
        let requests = journal.checkpointWanted
        let thread = Thread { [weak self] in
            while true {
                let wanted = requests.take(waitingAtMost: .seconds(1))
                guard let fs = self, !fs.isDestroyed.load(ordering: .relaxed) else { return }
                if wanted { try? fs.journal.checkpointInBackground() }
            }
        }
        thread.name = "xv6fs-checkpoint"
        thread.start()
    }

    /// Commits the running transaction every `interval` until unmount, as ext4's `commit=` does, so work that
    /// nobody fsyncs reaches the disk within that time.
    private func startCommitter(every interval: Duration) {
        let thread = Thread { [weak self] in
            while let fs = self, !fs.isDestroyed.load(ordering: .relaxed) {
                Thread.sleep(forTimeInterval: Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18)
                guard !fs.isDestroyed.load(ordering: .relaxed) else { return }
                try? fs.journal.commitInBackground()
            }
        }
        thread.name = "xv6fs-commit"
        thread.start()
    }

    /// Reads and validates the superblock; errors name the problem as mount and fsck print it.
    static func readSuperblock(_ device: any BlockDevice) throws(MountError) -> Superblock {
        guard device.blockSize == Format.blockSize else {
            throw MountError("not an xv6fs image (the device has \(device.blockSize)-byte blocks, xv6fs needs 4096)")
        }
        guard device.blockCount > 0, let bytes = try? device.read(BlockNumber(0)) else {
            throw MountError("not an xv6fs image (empty or unreadable)")
        }
        do {
            return try Superblock(decoding: bytes, deviceBlocks: device.blockCount)
        } catch {
            throw error.description == "bad magic" ? MountError("not an xv6fs image (bad magic)")
                : MountError("corrupted xv6fs image: \(error.description); run bento fsck")
        }
    }

    /// The cheap checks a mount (or an upgrade) makes: metadata marked in use, the root a directory, counts that agree with a
    /// clean superblock. Everything deeper is fsck's job.
    func checkConsistency(wasClean: Bool) throws(MountError) {
        let metadataMarked = allocator.state.withLock { state in
            state.blocks.allSet(below: superblock.dataStart) && state.inodes.allSet(below: 2)
        }
        guard metadataMarked else { throw MountError("corrupted xv6fs image: the bitmaps do not mark the metadata in use; run bento fsck") }
        let root: DiskInode
        do { root = try table.get(Inode.root.rawValue).disk } catch {
            throw MountError("corrupted xv6fs image: the root inode is unreadable (\(error)); run bento fsck")
        }
        guard root.mode.isDirectory else { throw MountError("corrupted xv6fs image: the root is not a directory; run bento fsck") }
        let counts = allocator.freeCounts
        guard !wasClean || (counts.blocks == superblock.freeBlocks && counts.inodes == superblock.freeInodes) else {
            throw MountError("corrupted xv6fs image: the bitmaps disagree with the superblock's free counts; run bento fsck")
        }
    }

    /// Asks the kernel for its writeback cache, big writes, parallel directory operations, file handles that
    /// survive a remount (node ids are inode numbers, with the inode's generation) and POSIX ACLs; records
    /// a read-only mount.
    public func initialize(_ connection: inout Connection) throws(Errno) {
        connection.wanted.formUnion([.bigWrites, .parallelDirectoryOperations, .asyncRead, .handleKillPrivilege,
                                     .readdirPlus, .readdirPlusAuto, .exportHandles, .posixACLs])
        connection.cachePolicy = .soleWriter  // the image's only writer: the kernel sees every change
        if options.writebackCache { connection.wanted.insert(.writebackCache) }
        connection.maximumWrite = 1 << 20
        if connection.isReadOnly { readOnly.store(true, ordering: .relaxed) }
        kernelCachesWrites.store(connection.enabled.contains(.writebackCache), ordering: .relaxed)
    }

    /// Reports capacity and use. Available blocks are the free ones less the indirect blocks a file filling them
    /// would need, so that what `df` shows as available can be allocated.
    public func statfs(_ request: Request, inode: Inode) throws(Errno) -> FileSystemStatistics {
        let free = allocator.freeCounts
        return FileSystemStatistics(blockSize: UInt32(Format.blockSize), totalBlocks: superblock.blockCount - superblock.dataStart,
                                    freeBlocks: free.blocks,
                                    availableBlocks: free.blocks - Format.indirectBlocks(mapping: free.blocks),
                                    totalInodes: superblock.inodeCount - 2, freeInodes: free.inodes)
    }
}

/// Why an image cannot be mounted, in words for the user ("not an xv6fs image (bad magic)").
public struct MountError: Error, CustomStringConvertible, Sendable {
    /// What is wrong, and the fix where there is one.
    public let description: String

    /// An error with a message.
    public init(_ description: String) { self.description = description }

    /// Runs `body`, turning a device error into a mount error.
    static func io<Result>(_ body: () throws(Errno) -> Result) throws(MountError) -> Result {
        do { return try body() } catch { throw MountError("I/O error while mounting: \(error)") }
    }
}
