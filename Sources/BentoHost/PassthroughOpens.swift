import BentoKit
import FUSEWire
import Logging
import Synchronization

/// Which inodes with open files a passthrough mount passes through, and to which backing file.
///
/// Rules (the kernel's, see FUSEWire's `Passthrough.swift`): while any file of an inode is open, either every open
/// of it is passed through to one backing file or none is; and a backing id must stay registered until the kernel
/// has read the reply that names it. So an inode's first open decides its mode: with a backing descriptor from the
/// file system and the kernel registering it, that id serves every open of the inode; without one, or refused, its
/// opens go through the daemon. The mode ends, and the id is dropped, when the inode's last open handle is released
/// (the kernel releases its side before it sends RELEASE). A refusal is never the caller's error: the open is
/// answered without passthrough. EPERM (the daemon lacks CAP_SYS_ADMIN) turns passthrough off for the mount.
///
/// Locking: one mutex over the table, never held across the registration ioctl. Two first opens of one inode may
/// both register; the second to record its id joins the first's mode and drops its own.
///
/// Leaks: an open whose reply never reaches the kernel (its caller was killed meanwhile) is never released, so its
/// inode keeps its mode and id until unmount, when the kernel drops every id.
final class PassthroughOpens: Sendable {
    /// One open handle of one inode (handles are the file system's, unique per inode at least).
    private struct OpenFile: Hashable {
        let inode: Inode
        let handle: FileHandle
    }

    /// An inode with open files: its backing file (nil: through the daemon) and how many handles are open.
    private struct Mode {
        var backing: BackingID?
        var opens: Int
    }

    /// The table. Not synchronized: kept behind the mutex.
    private struct Table {
        var inodes: [Inode: Mode] = [:]
        /// Open handles, counted: a file system may hand the same handle out twice.
        var handles: [OpenFile: Int] = [:]
        /// Set once the kernel answered EPERM: no more registrations.
        var isRefused = false
        /// Set once a registration failure has been logged as a warning.
        var hasWarned = false

        /// Counts one more open of `file` in its inode's mode, if the inode has open files.
        mutating func join(_ file: OpenFile) -> Mode? {
            guard var mode = inodes[file.inode] else { return nil }
            mode.opens += 1
            inodes[file.inode] = mode
            handles[file, default: 0] += 1
            return mode
        }

        /// Counts `file` as its inode's first open, passed through to `backing` (nil: through the daemon), unless
        /// another open came first: then it joins that one's mode, and `backing` is left over.
        mutating func start(_ file: OpenFile, backing: BackingID?) -> (backing: BackingID?, unused: BackingID?) {
            if let mode = join(file) { return (mode.backing, backing) }
            inodes[file.inode] = Mode(backing: backing, opens: 1)
            handles[file, default: 0] += 1
            return (backing, nil)
        }

        /// Uncounts `file`; the backing id to drop when it was its inode's last open handle.
        mutating func release(_ file: OpenFile) -> BackingID? {
            guard let count = handles[file], var mode = inodes[file.inode] else { return nil }
            handles[file] = count > 1 ? count - 1 : nil
            mode.opens -= 1
            inodes[file.inode] = mode.opens > 0 ? mode : nil
            return mode.opens > 0 ? nil : mode.backing
        }
    }

    /// Where backing files are registered.
    private let files: any BackingFiles
    /// Where refusals are reported.
    private let logger: Logger
    /// Set by INIT when the kernel accepted passthrough; until then every open goes through the daemon.
    private let enabled = Atomic<Bool>(false)
    private let table = Mutex(Table())

    /// A table registering backing files with `files` and reporting refusals to `logger`.
    init(files: any BackingFiles, logger: Logger) {
        self.files = files
        self.logger = logger
    }

    /// Turns passthrough on (INIT negotiated it).
    func enable() { enabled.store(true, ordering: .releasing) }

    /// Whether INIT negotiated passthrough.
    var isEnabled: Bool { enabled.load(ordering: .acquiring) }

    /// The backing file an open of `inode`, answered as `handle`, is passed through to; nil to go through the
    /// daemon. `descriptor` is the file system's backing descriptor for it, if it gave one.
    func open(_ inode: Inode, handle: FileHandle, descriptor: Int32?) -> BackingID? {
        guard isEnabled else { return nil }
        let file = OpenFile(inode: inode, handle: handle)
        let first = table.withLock { table -> FirstStep in
            if let mode = table.join(file) { return .settled(mode.backing) }
            guard let descriptor, !table.isRefused else { return .settled(table.start(file, backing: nil).backing) }
            return .register(descriptor)
        }
        switch first {
        case .settled(let backing):
            return backing
        case .register(let descriptor):
            let registered = register(descriptor, of: inode)
            let (backing, unused) = table.withLock { $0.start(file, backing: registered) }
            if let unused { files.unregister(unused) }
            return backing
        }
    }

    /// What an open does first, decided under the lock.
    private enum FirstStep {
        /// The inode's mode is known: this backing file, or nil for through the daemon.
        case settled(BackingID?)
        /// The inode has no open files: register this descriptor (outside the lock), then record the mode.
        case register(Int32)
    }

    /// Uncounts a released handle; the inode's backing id is dropped with its last open handle.
    func release(_ inode: Inode, handle: FileHandle) {
        guard isEnabled, let backing = table.withLock({ $0.release(OpenFile(inode: inode, handle: handle)) }) else {
            return
        }
        files.unregister(backing)
    }

    /// Registers `descriptor` for `inode`; nil when the kernel refuses, which is logged (the first refusal as a
    /// warning, later ones at debug level) and, for EPERM, ends registration for the mount.
    private func register(_ descriptor: Int32, of inode: Inode) -> BackingID? {
        do {
            return try files.register(descriptor)
        } catch {
            let isFirst = table.withLock { table -> Bool in
                defer { table.hasWarned = true }
                if error == .notPermitted { table.isRefused = true }
                return !table.hasWarned
            }
            logger.log(level: isFirst ? .warning : .debug, Self.refusal(error, of: inode))
            return nil
        }
    }

    /// What a refused registration means for the mount.
    private static func refusal(_ error: Errno, of inode: Inode) -> Logger.Message {
        guard error != .notPermitted else {
            return """
                passthrough off: the kernel refuses backing files (EPERM: the daemon lacks CAP_SYS_ADMIN); files open \
                through the daemon
                """
        }
        return "passthrough: no backing file for inode \(inode.rawValue) (\(error)); its opens go through the daemon"
    }
}
