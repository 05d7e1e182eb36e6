import BentoKit
import BentoSystem

/// Attributes: chmod, chown, truncate and utimensat, and access checks, all run as the caller so the host
/// applies its own permission rules.
extension PassthroughFS {
    public func setattr(_ request: Request, inode: Inode, changes: AttributeChanges) throws(Errno) -> AttributesReply {
        var target = try descriptor(for: inode)
        var isOpenFile = false
        if let handle = changes.handle, case .file(let file)? = openObjects.withLock({ $0.object(handle) }) {
            target = file
            isOpenFile = true
        }
        let object = target
        let throughOpenFile = isOpenFile
        var changes = changes
        // Clearing set-id bits because a non-owner writes or truncates the file: the kernel decided it (a mode
        // change it forces, or FATTR_KILL_SUIDGID), but the host would refuse the caller a chmod of a file they do
        // not own, so the daemon clears them after checking the caller may write.
        if !request.isRoot, changes.mode != nil || changes.killSetID,
           try clearsSetIDOfAnothersFile(changes, object, for: request) {
            do {
                try asCaller(request) { () throws(Errno) in try object.checkAccess(2) }  // W_OK
            } catch .permissionDenied {
                throw .notPermitted  // a chmod by someone else, as the host would answer it
            }
            if let mode = changes.mode { try object.changeMode(mode.permissions, isOpenFile: throughOpenFile) }
            changes.mode = nil
        }
        let setsGroupID = changes.mode.map { $0.permissions & BentoKit.FileMode.setGroupID != 0 } ?? false
        try asCaller(request, needsGroups: setsGroupID || changes.gid != nil) { () throws(Errno) in
            if let mode = changes.mode {
                try object.changeMode(mode.permissions, isOpenFile: throughOpenFile)
            }
            if changes.uid != nil || changes.gid != nil {
                try object.changeOwner(uid: changes.uid?.rawValue, gid: changes.gid?.rawValue)
            }
            if let size = changes.size {
                try object.truncate(to: size, isOpenFile: throughOpenFile)
            }
            if changes.accessTime != nil || changes.modificationTime != nil {
                try object.setTimes(access: HostTimeChange(changes.accessTime),
                                    modification: HostTimeChange(changes.modificationTime))
            }
        }
        if changes.killSetID, changes.mode == nil {  // after the change the caller was allowed: as the daemon
            try clearModeBits(Self.setIDBits, of: object, isOpenFile: throughOpenFile)
        }
        return AttributesReply(attributes(of: try object.status()))
    }

    private static let setIDBits = BentoKit.FileMode.setUserID | BentoKit.FileMode.setGroupID

    /// Clears `bits` of `object`'s mode, as the daemon; nothing when none of them is set.
    func clearModeBits(_ bits: UInt32, of object: HostDescriptor, isOpenFile: Bool) throws(Errno) {
        let mode = try object.status().mode & 0o7777
        if mode & bits != 0 { try object.changeMode(mode & ~bits, isOpenFile: isOpenFile) }
    }

    /// Whether `changes` clear set-id bits of a file the caller does not own: FATTR_KILL_SUIDGID, or a mode that
    /// is the current one less set-id bits (the kernel's forced change before another user's write).
    private func clearsSetIDOfAnothersFile(_ changes: AttributeChanges, _ object: HostDescriptor,
                                           for request: Request) throws(Errno) -> Bool {
        let status = try object.status()
        guard request.uid.rawValue != status.uid else { return false }
        guard let mode = changes.mode?.permissions, !changes.killSetID else { return changes.killSetID }
        let current = status.mode & 0o7777
        return mode != current && mode & ~current == 0 && (current & ~mode) & ~Self.setIDBits == 0
    }

    public func access(_ request: Request, inode: Inode, mask: AccessMask) throws(Errno) {
        let object = try descriptor(for: inode)
        try asCaller(request) { () throws(Errno) in
            try object.checkAccess(mask.rawValue)
        }
    }
}

extension HostTimeChange {
    /// The host form of a BentoKit time change; nil leaves the time alone.
    init(_ change: TimeChange?) {
        switch change {
        case nil: self = .omit
        case .now?: self = .now
        case .time(let time)?: self = .time(HostTime(seconds: time.seconds, nanoseconds: Int64(time.nanoseconds)))
        }
    }
}
