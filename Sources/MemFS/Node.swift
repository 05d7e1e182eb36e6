import BentoKit

// One file-system object: its attributes and, by type, its bytes, entries or link target.
//
// Nodes live in MemFS's node table and are only touched with MemFS's lock held; they are reference types so a
// handler can look one up and change it in place. Lifecycle: made by mknod/mkdir/symlink/create with one link;
// freed (removed from the table) once it has no links, no lookups from the kernel and no open handles.

/// A file, directory, symlink or special file held in memory.
final class Node {
    /// Its number, never reused.
    let inode: Inode
    /// Type and permission bits.
    var mode: FileMode
    /// Owner.
    var uid: UserID
    /// Group.
    var gid: GroupID
    /// Hard links; for directories 2 + the number of subdirectories, 0 once removed.
    var linkCount: UInt32
    /// Device number of character and block devices.
    let device: UInt32
    /// Last access: set by reads and listings as the mount's `AccessTimes` rule says, and on request.
    var accessTime: Timestamp
    /// Last change of contents.
    var modificationTime: Timestamp
    /// Last change of the inode.
    var changeTime: Timestamp
    /// The `chattr` flags (immutable, append-only, no-dump, no-atime), enforced by MemFS's handlers.
    var flags: InodeFlags = []
    /// Entries the kernel holds (each `Entry` returned adds one, `forget` subtracts).
    var lookups: UInt64 = 0
    /// Open handles on this node.
    var openCount = 0
    /// Extended attributes.
    var xattrs: [XattrName: [UInt8]] = [:]
    /// A regular file's bytes (empty for other types).
    var contents = FileContents()
    /// A directory's entries (nil for other types).
    var directory: DirectoryContents?
    /// A symbolic link's target (empty for other types).
    let target: [UInt8]

    /// A new node with one link (two for a directory), all times set to `now`.
    init(inode: Inode, mode: FileMode, uid: UserID, gid: GroupID, now: Timestamp,
         device: UInt32 = 0, parent: Inode? = nil, target: [UInt8] = []) {
        self.inode = inode
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.device = device
        self.target = target
        self.accessTime = now
        self.modificationTime = now
        self.changeTime = now
        if mode.isDirectory {
            linkCount = 2
            directory = DirectoryContents(parent: parent ?? inode)
        } else {
            linkCount = 1
        }
    }

    /// The node's type (regular when the mode names none).
    var type: FileType { mode.type ?? .regular }
    /// True for directories.
    var isDirectory: Bool { mode.isDirectory }

    /// What `stat` reports. Directory sizes count 20 bytes per entry, as tmpfs does.
    var attributes: Attributes {
        let size: UInt64
        switch type {
        case .regular: size = contents.size
        case .directory: size = UInt64((directory?.count ?? 0) + 2) * 20
        case .symbolicLink: size = UInt64(target.count)
        default: size = 0
        }
        return Attributes(inode: inode, size: size, blocks: contents.blocks,
                          accessTime: accessTime, modificationTime: modificationTime, changeTime: changeTime,
                          mode: mode, linkCount: linkCount, uid: uid, gid: gid, device: device)
    }

    /// Records a change of contents (mtime and ctime).
    func contentsChanged(at now: Timestamp) {
        modificationTime = now
        changeTime = now
    }
}
