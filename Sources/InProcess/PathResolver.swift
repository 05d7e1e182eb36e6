import BentoKit

// Path resolution as Linux's namei does it, one LOOKUP per component:
// - paths are absolute or relative, both from the root (the driver has no working directory); empty → ENOENT,
//   4096 bytes or more → ENAMETOOLONG, a component over 255 bytes → ENAMETOOLONG;
// - `.` and `..` never reach the file system: the walk keeps the directories it went through and `..` steps
//   back (never above the root);
// - a symlink met before the last component is always followed; the last one as the caller asks, and always
//   when a trailing slash follows it (except for calls that change the name itself: unlink, rmdir, rename...);
//   more than 40 links in one resolution → ELOOP;
// - a trailing slash demands a directory (ENOTDIR), except for calls that change the name itself, which
//   apply their own rule;
// - with `default_permissions`, searching a directory needs execute permission (EACCES).
// Every entry a LOOKUP returns is counted in `lookups`, forgotten when the call ends.

/// The lookups one call received, by inode: what the driver owes the file system in `forget`s.
struct LookupLedger {
    private var counts: [Inode: UInt64] = [:]

    /// Counts one lookup of `entry`'s inode.
    mutating func add(_ entry: Entry) { counts[entry.inode, default: 0] += 1 }

    /// Takes one lookup of `inode` out of the ledger: a descriptor now holds it and forgets it at close.
    mutating func keep(_ inode: Inode) {
        guard let count = counts[inode] else { return }
        counts[inode] = count > 1 ? count - 1 : nil
    }

    /// Forgets every lookup still in the ledger and empties it.
    mutating func forget(in fileSystem: any FileSystem) {
        for (inode, count) in counts { fileSystem.forget(inode, count: count) }
        counts = [:]
    }
}

/// An object reached by a walk: its attributes and the directories above it, root first.
struct Located {
    /// The object's attributes, as the lookup (or getattr) that found it answered.
    var attributes: Attributes
    /// The directories the walk went through to reach it, from the root to its parent (empty for the root).
    var ancestors: [Inode]

    /// The node id the file system named the object by (`Entry.inode`), which later calls give.
    var inode: Inode
    /// True for directories.
    var isDirectory: Bool { attributes.mode.isDirectory }
}

/// The last component of a path, as namei classifies it.
enum LastComponent: Equatable {
    /// The path is `/` (or a symlink to it).
    case root
    /// `.`
    case dot
    /// `..`
    case dotDot
    /// A name.
    case name(FileName)
}

/// What resolving a path up to its last component found.
struct Final {
    /// The directory holding the last component (for `.`, `..` and the root: the object's own directory).
    var parent: Located
    /// The last component.
    var last: LastComponent
    /// The object the last component names, or nil when there is no such name.
    var object: Located?
    /// True when the path ended in `/`.
    var trailingSlash: Bool

    /// The object, or `ENOENT` when the name does not exist.
    func existing() throws(Errno) -> Located {
        guard let object else { throw .noSuchFileOrDirectory }
        return object
    }

    /// The name a new object gets: `EEXIST` when taken (or for `.`, `..` and `/`); `ENOENT` for a trailing slash
    /// unless the new object is a directory.
    func newName(directory: Bool = false) throws(Errno) -> FileName {
        guard case .name(let name) = last, object == nil else { throw .fileExists }
        guard directory || !trailingSlash else { throw .noSuchFileOrDirectory }
        return name
    }
}

/// Whether the last component of a path is followed when it is a symlink.
enum LastLink {
    /// Follow it (stat, open, chmod, ...).
    case follow
    /// Keep it unless a trailing slash follows it (lstat, readlink, `O_NOFOLLOW`).
    case keep
    /// Keep it even before a trailing slash: the call changes the name itself (unlink, rmdir, rename, link).
    case keepName
}

/// One call's path walking: the request it is made with and the lookups it received.
struct PathResolver {
    /// The longest path Linux accepts, NUL included (`PATH_MAX`).
    static let maximumPathLength = 4096
    /// How many symlinks one resolution may follow (`MAXSYMLINKS`).
    static let maximumLinks = 40

    /// The mount being driven.
    let mount: Mount
    /// The request every call of this system call is made with.
    let request: Request
    /// The lookups received so far.
    var lookups = LookupLedger()

    /// The file system being driven.
    var fileSystem: any FileSystem { mount.fileSystem }
    /// The permission checks the driver makes (none unless `default_permissions`).
    var permissions: PermissionCheck {
        PermissionCheck(request: request, enabled: mount.options.defaultPermissions,
                        acls: mount.enabled.contains(.posixACLs) ? mount.fileSystem : nil)
    }

    /// The request and mode that make a new object of `type` with `permissions` (bits outside `allowed` dropped):
    /// the mode less the umask, as the kernel sends it, or for a file system that keeps POSIX ACLs the whole mode
    /// with the umask in the request (`FUSE_DONT_MASK`), the default ACL of the directory deciding.
    func creation(_ type: FileType, permissions: UInt32, allowed: UInt32) -> (Request, FileMode) {
        var request = request
        var permissions = permissions & allowed
        if mount.enabled.contains(.posixACLs) {
            request.umask = mount.options.umask
        } else {
            permissions &= ~mount.options.umask
        }
        return (request, FileMode(type: type, permissions: permissions))
    }

    /// A path split into components, the walk's progress through it and the directories passed.
    private struct Walk {
        var directories: [Located]
        var pending: [LastComponent]
        var trailingSlash: Bool
        var linksFollowed = 0
    }

    /// Resolves `path` to the object it names (`ENOENT` when it does not exist).
    mutating func resolve(_ path: String, last: LastLink = .follow) throws(Errno) -> Located {
        try finish(path, last: last).existing()
    }

    /// Resolves `path` up to and including its last component, which may be missing.
    mutating func finish(_ path: String, last rule: LastLink) throws(Errno) -> Final {
        var walk = try start(Array(path.utf8))
        while true {
            try walkToLast(&walk)
            let directory = walk.directories[walk.directories.count - 1]
            let component = walk.pending.first ?? .root
            let final: Final
            switch component {
            case .root:
                final = Final(parent: directory, last: .root, object: directory, trailingSlash: walk.trailingSlash)
            case .dot:
                final = Final(parent: directory, last: .dot, object: directory, trailingSlash: walk.trailingSlash)
            case .dotDot:
                let above = walk.directories.count > 1 ? walk.directories[walk.directories.count - 2] : directory
                final = Final(parent: directory, last: .dotDot, object: above, trailingSlash: walk.trailingSlash)
            case .name(let name):
                let object = try child(name, of: directory, ancestors: walk.directories.map(\.inode))
                if let object, object.attributes.mode.isSymbolicLink,
                   rule == .follow || (rule == .keep && walk.trailingSlash) {
                    walk.pending.removeFirst()
                    try follow(object, in: &walk)
                    continue
                }
                if let object, walk.trailingSlash, !object.isDirectory, rule != .keepName { throw .notDirectory }
                final = Final(parent: directory, last: component, object: object, trailingSlash: walk.trailingSlash)
            }
            return final
        }
    }

    /// Looks `name` up in `directory` (execute permission needed): nil when it does not exist.
    mutating func child(_ name: FileName, of directory: Located, ancestors: [Inode]) throws(Errno) -> Located? {
        try permissions.require(.execute, on: directory)
        let entry: Entry
        do {
            entry = try fileSystem.lookup(request, parent: directory.inode, name: name)
        } catch .noSuchFileOrDirectory {
            return nil
        }
        lookups.add(entry)
        return Located(attributes: entry.attributes, ancestors: ancestors, inode: entry.inode)
    }

    /// Splits `path` into components and starts at the root.
    private mutating func start(_ path: [UInt8]) throws(Errno) -> Walk {
        guard !path.isEmpty else { throw .noSuchFileOrDirectory }
        guard path.count < Self.maximumPathLength else { throw .fileNameTooLong }
        let root = try fileSystem.getattr(request, inode: .root, handle: nil).attributes
        return Walk(directories: [Located(attributes: root, ancestors: [], inode: .root)], pending: try Self.components(path),
                    trailingSlash: path.last == UInt8(ascii: "/"))
    }

    /// Walks every component but the last; afterwards `walk.pending` holds at most one.
    private mutating func walkToLast(_ walk: inout Walk) throws(Errno) {
        while walk.pending.count > 1 {
            let component = walk.pending.removeFirst()
            switch component {
            case .root, .dot:
                continue
            case .dotDot:
                if walk.directories.count > 1 { walk.directories.removeLast() }
            case .name(let name):
                let directory = walk.directories[walk.directories.count - 1]
                guard let object = try child(name, of: directory, ancestors: walk.directories.map(\.inode)) else {
                    throw .noSuchFileOrDirectory
                }
                if object.isDirectory {
                    walk.directories.append(object)
                } else if object.attributes.mode.isSymbolicLink {
                    try follow(object, in: &walk)
                } else {
                    throw .notDirectory
                }
            }
        }
    }

    /// Puts the components of `link`'s target in front of those still pending (the link's own already taken
    /// off), starting again from the root for an absolute target.
    private mutating func follow(_ link: Located, in walk: inout Walk) throws(Errno) {
        walk.linksFollowed += 1
        guard walk.linksFollowed <= Self.maximumLinks else { throw .tooManySymbolicLinkLevels }
        let target = try fileSystem.readlink(request, inode: link.inode)
        guard !target.isEmpty else { throw .noSuchFileOrDirectory }
        if target.first == UInt8(ascii: "/") { walk.directories.removeSubrange(1...) }
        let rest = walk.pending
        walk.pending = try Self.components(target) + rest
        if rest.isEmpty, target.last == UInt8(ascii: "/") { walk.trailingSlash = true }
    }

    /// The components of `path` (empty ones dropped); `ENAMETOOLONG` for one over 255 bytes.
    private static func components(_ path: [UInt8]) throws(Errno) -> [LastComponent] {
        var result: [LastComponent] = []
        for bytes in path.split(separator: UInt8(ascii: "/")) {
            switch bytes.count {
            case 1 where bytes.first == UInt8(ascii: "."): result.append(.dot)
            case 2 where bytes.elementsEqual("..".utf8): result.append(.dotDot)
            default: result.append(.name(try FileName(validating: bytes)))
            }
        }
        return result
    }
}
