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
        let setsGroupID = changes.mode.map { $0.permissions & BentoKit.FileMode.setGroupID != 0 } ?? false
        try asCaller(request, needsGroups: setsGroupID || changes.gid != nil) { () throws(Errno) in
            if let mode = changes.mode {
                try object.changeMode(mode.permissions, isOpenFile: throughOpenFile)
            } else if changes.killSetID {
                let mode = try object.status().mode
                let setIDBits = BentoKit.FileMode.setUserID | BentoKit.FileMode.setGroupID
                if mode & setIDBits != 0 {
                    try object.changeMode(mode & 0o7777 & ~setIDBits, isOpenFile: throughOpenFile)
                }
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
        return AttributesReply(attributes(of: try object.status(), as: inode))
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
