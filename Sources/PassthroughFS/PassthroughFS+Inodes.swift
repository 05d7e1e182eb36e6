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
        let object = try directory.openPath(name.bytes)
        var status = try object.status()
        if let requestedMode, !BentoKit.FileMode(rawValue: status.mode).isSymbolicLink {
            let missing = requestedMode.permissions & ~status.mode & 0o777
            if missing != 0 {
                try object.changeMode((status.mode | missing) & 0o7777, isOpenFile: false)
                status = try object.status()
            }
        }
        let identity = HostIdentity(device: status.device, inode: status.inode)
        let anchor = try anchor(for: object, isDirectory: BentoKit.FileMode(rawValue: status.mode).isDirectory)
        let id = inodes.withLock { $0.enter(identity, anchor: anchor) }
        let dropped = descriptors.withLock { $0.insert(object, for: id) }
        _ = dropped  // closed here, outside the lock
        let inode = Inode(id)
        return Entry(attributes: attributes(of: status, as: inode))
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

    /// The BentoKit attributes for host attributes, reported under our node id.
    func attributes(of status: HostStat, as inode: Inode) -> Attributes {
        Attributes(
            inode: inode, size: UInt64(clamping: status.size), blocks: UInt64(clamping: status.blocks),
            accessTime: Timestamp(status.accessTime), modificationTime: Timestamp(status.modificationTime),
            changeTime: Timestamp(status.changeTime), mode: BentoKit.FileMode(rawValue: status.mode),
            linkCount: UInt32(clamping: status.linkCount), uid: UserID(status.uid), gid: GroupID(status.gid),
            device: UInt32(truncatingIfNeeded: status.specialDevice), blockSize: UInt32(clamping: status.blockSize))
    }

    /// Runs `body` with the caller's file-system uid and gid (only switching when the caller is not root).
    func asCaller<Result>(_ request: Request, _ body: () throws(Errno) -> Result) throws(Errno) -> Result {
        if request.uid == .root && request.gid == .root { return try body() }
        return try withFileSystemIdentity(uid: request.uid.rawValue, gid: request.gid.rawValue, body)
    }
}

extension Timestamp {
    /// A BentoKit timestamp from a host one.
    init(_ time: HostTime) {
        self.init(seconds: time.seconds, nanoseconds: UInt32(clamping: time.nanoseconds))
    }
}
