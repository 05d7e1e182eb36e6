import BentoKit
import Logging
import Synchronization

/// The host's two tables: file-system types by name, and live mounts by mount point.
/// One host can serve several mounts at once, of the same or different types.
public final class Registry: Sendable {
    private let types = Mutex<[String: FileSystemType]>([:])
    private let mounts = Mutex<[String: Session]>([:])
    private let logger: Logger

    /// An empty registry.
    public init(logger: Logger = Logger(label: "bento.host")) { self.logger = logger }

    /// Adds a file-system type; a later registration under the same name replaces the earlier one.
    public func register(_ type: FileSystemType) {
        types.withLock { $0[type.name] = type }
    }

    /// The registered types, sorted by name.
    public var registeredTypes: [FileSystemType] {
        types.withLock { Array($0.values) }.sorted { $0.name < $1.name }
    }

    /// The type called `name`, or an error listing the known ones.
    public func type(named name: String) throws(HostError) -> FileSystemType {
        if let type = types.withLock({ $0[name] }) { return type }
        let known = registeredTypes.map(\.name).joined(separator: ", ")
        throw HostError("unknown file-system type '\(name)': choose one of \(known)")
    }

    /// Builds a file system of type `typeName` for `source`, mounts it on `mountpoint` and starts serving it.
    @discardableResult
    public func mount(type typeName: String, source: String, at mountpoint: String,
                      options: MountOptions) throws(HostError) -> Session {
        let type = try type(named: typeName)
        try type.check(options)
        let path = try Mounter.validatedMountpoint(mountpoint)
        if mounts.withLock({ $0[path] }) != nil { throw HostError("\(path) is already mounted by this host") }
        let fileSystem = try type.make(source, options)
        let session = try Session.mount(fileSystem, type: type, source: source, at: path, options: options, logger: logger)
        mounts.withLock { $0[path] = session }
        do {
            try session.start()
        } catch {
            try? session.unmount()
            mounts.withLock { $0[path] = nil }
            throw error
        }
        return session
    }

    /// Serves a mount taken over from another daemon (`Session.takeOver`), registered under its mount point.
    public func adopt(_ session: Session) throws(HostError) {
        guard mounts.withLock({ table in
            guard table[session.mountpoint] == nil else { return false }
            table[session.mountpoint] = session
            return true
        }) else { throw HostError("\(session.mountpoint) is already mounted by this host") }
        try session.start()
    }

    /// Upgrades the live mount at `mountpoint` to the file-system module in the shared library at `modulePath`.
    /// On failure (the module does not load, refuses the state, fails to start) the mount keeps its version.
    public func upgrade(_ mountpoint: String, toModuleAt modulePath: String) throws(HostError) -> UpgradeReport {
        guard let session = mounts.withLock({ $0[mountpoint] }) else {
            throw HostError("\(mountpoint) is not mounted by this daemon")
        }
        return try session.upgrade(to: try ModuleLoader.load(modulePath))
    }

    /// The live mount at `mountpoint`, if this daemon serves one there.
    public func session(at mountpoint: String) -> Session? { mounts.withLock { $0[mountpoint] } }

    /// The live mounts, sorted by mount point.
    public var liveMounts: [Session] {
        mounts.withLock { Array($0.values) }.sorted { $0.mountpoint < $1.mountpoint }
    }

    /// Blocks until the mount at `mountpoint` ends, then forgets it.
    public func waitForEnd(of session: Session) {
        session.wait()
        mounts.withLock { $0[session.mountpoint] = nil }
    }

    /// Detaches every live mount (used on SIGINT/SIGTERM) and waits up to `timeout` for each to end; a mount
    /// that does not end in time (files still open in it) is drained and its file system destroyed, so it has
    /// flushed before the process exits. Returns those mounts.
    public func unmountAll(timeout: Duration) -> [Session] {
        let sessions = liveMounts.filter { !$0.wasHandedOver }  // those are another daemon's now
        for session in sessions {
            do { try session.unmount() } catch { logger.error("\(error)") }
        }
        let stuck = sessions.filter { !$0.wait(timeout: timeout) }
        for session in stuck { session.dispatcher.drainAndDestroy() }
        mounts.withLock { table in
            for session in sessions where !stuck.contains(where: { $0 === session }) { table[session.mountpoint] = nil }
        }
        return stuck
    }
}
