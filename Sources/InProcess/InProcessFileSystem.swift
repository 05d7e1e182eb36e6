import BentoKit
import Synchronization

// The in-process driver: a small POSIX-like façade over any `FileSystem`, calling it as the kernel's VFS and
// fuse.ko would, with no kernel in between. Tests, the debugger, sanitizers and the crash explorer use it.
//
// What it does as the kernel does:
// - INIT: `initialize` gets a `Connection` offering what a kernel offers (no writeback cache by default), and
//   what is enabled changes how files are opened and written (atomic O_TRUNC, O_APPEND, readdirplus).
// - Paths are walked one LOOKUP per component; `.` and `..` are resolved by the driver from the walk, never
//   sent to the file system; symlinks are followed (ELOOP after 40) with Linux's trailing-slash rules.
// - Lookup counting: every `Entry` received counts one lookup. A call's lookups are forgotten when it ends
//   (the kernel dropping unused dentries), except one per open descriptor, forgotten at close. `unmount()`
//   releases what is still open, forgets its lookups and calls `destroy`.
// - With `Options.defaultPermissions`, the driver checks permissions from the mode bits (and the access ACL of
//   a file system that keeps POSIX ACLs) as the kernel does under `default_permissions`; otherwise they are left
//   to the file system (and `access` asks it). The kernel turns `default_permissions` on for a file system with
//   ACLs; the driver does not, so that such a file system's own checks can be tested too.
// - A file system that does not clear set-id bits itself (no `handleKillPrivilege`) gets them cleared as the
//   kernel does: a setattr of the mode without them before a non-root caller's write or fallocate
//   (`file_remove_privs`), and for a chown naming neither owner nor group (`fuse_setattr`).
// - A file system that keeps POSIX ACLs gets the modes of new objects whole and the umask in the request, as
//   with `FUSE_DONT_MASK`; setting an ACL by a caller outside the file's group asks for set-group-ID to go.
// - Answers the kernel turns into something else are turned the same way: ENOSYS from flush and fsync is
//   success, from the xattr calls and fallocate `EOPNOTSUPP`, from access success, from create a fallback
//   to mknod + open, from lseek the generic SEEK_DATA/SEEK_HOLE.
//
// Locking: the descriptor table sits behind a mutex held only to read or change it, never across a call into
// the file system, so calls may run concurrently as they would from several threads of a process.

/// A file system driven in-process through path-based, POSIX-like calls that throw `Errno`.
public final class InProcessFileSystem: Sendable {
    /// How the driver plays the kernel.
    public struct Options: Sendable {
        /// What the "kernel" offers at INIT; by default everything but the writeback cache, so the file system
        /// sees `O_APPEND` and computes append positions itself.
        public var offered: Capabilities
        /// What the file system gets unless its `initialize` changes it (the host's defaults).
        public var wanted: Capabilities
        /// Mount read-only: changes fail with `EROFS` before reaching the file system.
        public var readOnly: Bool
        /// Check permissions in the driver from mode bits, as the kernel does with `default_permissions`.
        public var defaultPermissions: Bool
        /// Entries per readdir call: small, so that every listing resumes from cookies several times.
        public var listingCapacity: Int
        /// Permission bits removed from the mode of new objects.
        public var umask: UInt32
        /// Largest read or write sent in one call; bigger ones are split, as the kernel splits them.
        public var maximumTransfer: UInt32

        /// Options as a default kernel mount would have them.
        public init(offered: Capabilities = InProcessFileSystem.kernelOffers,
                    wanted: Capabilities = InProcessFileSystem.hostWants,
                    readOnly: Bool = false, defaultPermissions: Bool = false, listingCapacity: Int = 3,
                    umask: UInt32 = 0o022, maximumTransfer: UInt32 = 1 << 20) {
            self.offered = offered
            self.wanted = wanted
            self.readOnly = readOnly
            self.defaultPermissions = defaultPermissions
            self.listingCapacity = max(listingCapacity, 1)
            self.umask = umask
            self.maximumTransfer = max(maximumTransfer, 4096)
        }
    }

    /// Everything a Linux kernel offers at INIT except the writeback cache.
    public static let kernelOffers: Capabilities = [
        .asyncRead, .bigWrites, .readdirPlus, .readdirPlusAuto, .parallelDirectoryOperations, .autoInvalidateData,
        .cacheSymlinks, .handleKillPrivilege, .asyncDirectIO, .atomicOpenTruncate, .nanosecondTimes, .posixACLs,
    ]

    /// What the host asks for on a file system's behalf before `initialize` (BentoHost's defaults).
    public static let hostWants: Capabilities = [
        .asyncRead, .bigWrites, .parallelDirectoryOperations, .readdirPlus, .readdirPlusAuto,
        .autoInvalidateData, .atomicOpenTruncate, .nanosecondTimes, .cacheSymlinks,
    ]

    /// The mount shared by every view made with `as(_:)`.
    let mount: Mount
    /// The credentials every call of this view is made with (uid, gid, groups, pid); `unique` is replaced.
    public let credentials: Request

    /// Mounts `fileSystem`: calls its `initialize` with the connection `options` describe.
    public init(fileSystem: any FileSystem, options: Options = Options()) throws(Errno) {
        mount = try Mount(fileSystem: fileSystem, options: options)
        credentials = .root
    }

    private init(mount: Mount, credentials: Request) {
        self.mount = mount
        self.credentials = credentials
    }

    /// A view of the same mount (same descriptors) whose calls are made with `credentials`.
    public func `as`(_ credentials: Request) -> InProcessFileSystem {
        InProcessFileSystem(mount: mount, credentials: credentials)
    }

    /// A view of the same mount whose calls come from user `uid` in group `gid` (and `groups`).
    public func `as`(user uid: UserID, group gid: GroupID, groups: [GroupID] = []) -> InProcessFileSystem {
        `as`(Request(uid: uid, gid: gid, groups: groups))
    }

    /// The capabilities INIT enabled (offered by the driver and wanted by the file system).
    public var enabledCapabilities: Capabilities { mount.enabled }

    /// How many descriptors are open.
    public var openDescriptorCount: Int { mount.descriptors.withLock { $0.count } }

    /// Ends the mount: releases descriptors still open (without flush), forgets every lookup still held and
    /// calls `destroy`. Later calls fail with `ENOTCONN`. Calling it again does nothing.
    public func unmount() {
        guard mount.isMounted.exchange(false, ordering: .acquiringAndReleasing) else { return }
        let request = Request(unique: mount.nextUnique(), uid: credentials.uid, gid: credentials.gid,
                              pid: credentials.pid, groups: credentials.groups)
        for description in mount.descriptors.withLock({ $0.removeAll() }) {
            mount.release(description, for: request)
        }
        mount.fileSystem.destroy()
    }

    /// Runs one system call's work with a fresh request and a path resolver; the lookups the call received
    /// are forgotten when it ends, except those it kept for a descriptor.
    func perform<Result>(_ body: (inout PathResolver) throws(Errno) -> Result) throws(Errno) -> Result {
        guard mount.isMounted.load(ordering: .acquiring) else { throw .socketNotConnected }
        var request = credentials
        request.unique = mount.nextUnique()
        var resolver = PathResolver(mount: mount, request: request)
        defer { resolver.lookups.forget(in: mount.fileSystem) }
        return try body(&resolver)
    }
}

/// The state every view of one in-process mount shares.
final class Mount: Sendable {
    /// The file system being driven.
    let fileSystem: any FileSystem
    /// The driver's options.
    let options: InProcessFileSystem.Options
    /// What INIT enabled.
    let enabled: Capabilities
    /// Largest read or write per call, after the file system's say at INIT.
    let maximumTransfer: UInt32
    /// Open descriptors.
    let descriptors = Mutex(DescriptorTable())
    /// False once unmounted.
    let isMounted = Atomic<Bool>(true)
    private let unique = Atomic<UInt64>(0)

    /// Negotiates with `fileSystem` as INIT does.
    init(fileSystem: any FileSystem, options: InProcessFileSystem.Options) throws(Errno) {
        var connection = Connection(protocolVersion: (7, 41), offered: options.offered, wanted: options.wanted,
                                    maximumWrite: options.maximumTransfer, maximumReadahead: 1 << 20,
                                    isReadOnly: options.readOnly)
        try fileSystem.initialize(&connection)
        self.fileSystem = fileSystem
        self.options = options
        self.enabled = connection.enabled
        self.maximumTransfer = min(max(connection.maximumWrite, 4096), options.maximumTransfer)
    }

    /// The next request id (kernel ids are even and grow by 2; 0 is never used).
    func nextUnique() -> UInt64 { unique.add(2, ordering: .relaxed).newValue }

    /// Closes an open description without flushing and forgets the lookup it held.
    func release(_ description: OpenDescription, for request: Request) {
        if description.isDirectory {
            try? fileSystem.releasedir(request, inode: description.inode, handle: description.handle)
        } else {
            try? fileSystem.release(request, inode: description.inode, handle: description.handle,
                                    flags: description.flags)
        }
        fileSystem.forget(description.inode, count: 1)
    }
}

extension Mount {
    /// Throws `EROFS` on a read-only mount, as the VFS does before any change.
    func requireWritable() throws(Errno) {
        guard !options.readOnly else { throw .readOnlyFileSystem }
    }
}

/// Calls `body`, taking `ENOSYS` as success, as the kernel does for calls it then stops sending (flush,
/// fsync, fsyncdir, access).
func ignoringNoFunction(_ body: () throws(Errno) -> Void) throws(Errno) {
    do { try body() } catch .noFunction {}
}

/// Calls `body`, turning `ENOSYS` into `EOPNOTSUPP`, as the kernel does for extended attributes and fallocate.
func unsupportedIfNoFunction<Result>(_ body: () throws(Errno) -> Result) throws(Errno) -> Result {
    do { return try body() } catch .noFunction { throw .notSupported }
}
