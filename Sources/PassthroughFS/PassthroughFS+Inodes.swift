import BentoKit
import BentoSystem

/// Reaching host objects: node ids to descriptors, names to new table entries, host stat to attributes.
extension PassthroughFS {
    /// A descriptor naming `inode`'s host object: from the cache, else reopened from its handle and cached.
    /// `ESTALE` when the kernel has forgotten the node or the host object is gone.
    func descriptor(for inode: Inode) throws(Errno) -> HostDescriptor {
        let id = inode.rawValue
        if let cached = descriptors.withLock({ $0.descriptor(for: id) }) { return cached }
        guard let node = inodes.withLock({ $0.node(id) }) else { throw .staleNFSFileHandle }
        switch node.anchor {
        case .pinned(let descriptor):
            return descriptor
        case .handle(let handle, let mount):
            let descriptor = try mount.openPath(handle)
            let dropped = descriptors.withLock { $0.insert(descriptor, for: id) }
            _ = dropped  // closed here, outside the lock
            return descriptor
        }
    }

    /// Finds `name` in `directory` on the host, enters it in the inode table (counting one lookup) and caches
    /// its descriptor. When `requestedMode` is given (the object was just made), permission bits the process
    /// umask took away are put back, so the host object gets the mode the caller asked for.
    func enter(in directory: HostDescriptor, name: FileName, requestedMode: BentoKit.FileMode? = nil) throws(Errno) -> Entry {
        try enter(try directory.openPath(name.bytes), requestedMode: requestedMode, pinned: false)
    }

    /// Enters an object with no name (an `O_TMPFILE` file, `object` its `O_PATH` descriptor), made with
    /// `requestedMode`: pinned to that descriptor for its life, as nothing else could find it again.
    func enterUnnamed(_ object: HostDescriptor, requestedMode: BentoKit.FileMode?) throws(Errno) -> Entry {
        try enter(object, requestedMode: requestedMode, pinned: true)
    }

    /// Enters the host object `object` names (see `enter(in:name:requestedMode:)`).
    private func enter(_ object: HostDescriptor, requestedMode: BentoKit.FileMode?, pinned: Bool) throws(Errno) -> Entry {
        var status = try object.status()
        if let requestedMode, !BentoKit.FileMode(rawValue: status.mode).isSymbolicLink {
            let missing = requestedMode.permissions & ~status.mode & 0o777
            if missing != 0 {
                try object.changeMode((status.mode | missing) & 0o7777, isOpenFile: false)
                status = try object.status()
            }
        }
        let identity = HostIdentity(device: status.device, inode: status.inode)
        let anchor = pinned ? .pinned(object) : try anchor(for: object, isDirectory: BentoKit.FileMode(rawValue: status.mode).isDirectory)
        let id = inodes.withLock { $0.enter(identity, anchor: anchor) }
        let dropped = descriptors.withLock { $0.insert(object, for: id) }
        _ = dropped  // closed here, outside the lock
        return Entry(attributes: attributes(of: status), inode: Inode(id))
    }

    /// How to reach `object` again: its file handle and a descriptor of its mount, or, on file systems
    /// without handles (or a new mount first seen through a non-directory), the descriptor itself.
    private func anchor(for object: HostDescriptor, isDirectory: Bool) throws(Errno) -> Anchor {
        guard let (handle, mountID) = try? object.fileHandle() else { return .pinned(object) }
        if let mount = inodes.withLock({ $0.mountDescriptor(mountID) }) {
            return .handle(handle, mount: mount)
        }
        guard isDirectory else { return .pinned(object) }
        let opened = try object.openAsMountDescriptor()
        let mount = inodes.withLock { $0.addMount(mountID, descriptor: opened) }
        return .handle(handle, mount: mount)
    }

    /// The BentoKit attributes for host attributes, with the host's inode number (what `stat` shows: stable as
    /// long as the host object lives, shared by its hard links), not our node id, which lives only while the
    /// kernel remembers the object.
    func attributes(of status: HostStat) -> Attributes {
        Attributes(
            inode: Inode(status.inode), size: UInt64(clamping: status.size), blocks: UInt64(clamping: status.blocks),
            accessTime: Timestamp(status.accessTime), modificationTime: Timestamp(status.modificationTime),
            changeTime: Timestamp(status.changeTime), mode: BentoKit.FileMode(rawValue: status.mode),
            linkCount: UInt32(clamping: status.linkCount), uid: UserID(status.uid), gid: GroupID(status.gid),
            device: UInt32(truncatingIfNeeded: status.specialDevice), blockSize: UInt32(clamping: status.blockSize))
    }

    /// Runs `body` as the caller: its file-system uid and gid, and its supplementary groups (only switching when
    /// the caller is not root). FUSE requests carry no groups, and reading them from `/proc/PID/status` costs more
    /// than most operations, so `body` first runs with none, and runs again with the caller's when that fails with
    /// EACCES or EPERM (what a missing group makes the host refuse, before it changes anything) — or runs with them
    /// at once when `needsGroups`: where a missing group makes the host quietly do something else (a chmod that
    /// keeps set-group-id only for a member of the file's group). Runs with no groups rather than the daemon's, so
    /// root's groups never lend a caller their rights.
    func asCaller<Result>(_ request: Request, needsGroups: Bool = false,
                          _ body: () throws(Errno) -> Result) throws(Errno) -> Result {
        if request.uid == .root && request.gid == .root { return try body() }
        let (uid, gid) = (request.uid.rawValue, request.gid.rawValue)
        // A daemon that is not root serves its own user only and may not set groups: its own ones apply.
        guard HostProcess.isRoot else { return try withFileSystemIdentity(uid: uid, gid: gid, body) }
        if needsGroups { return try withFileSystemIdentity(uid: uid, gid: gid, groups: callerGroups(request), body) }
        do {
            return try withFileSystemIdentity(uid: uid, gid: gid, groups: [], body)
        } catch let error where error == .permissionDenied || error == .notPermitted {
            let groups = callerGroups(request)
            guard !groups.isEmpty else { throw error }
            return try withFileSystemIdentity(uid: uid, gid: gid, groups: groups, body)
        }
    }

    /// The caller's supplementary groups, none when its process cannot be asked.
    private func callerGroups(_ request: Request) -> [UInt32] {
        HostProcess.supplementaryGroups(of: request.pid) ?? []
    }
}

extension Timestamp {
    /// A BentoKit timestamp from a host one.
    init(_ time: HostTime) {
        self.init(seconds: time.seconds, nanoseconds: UInt32(clamping: time.nanoseconds))
    }
}
