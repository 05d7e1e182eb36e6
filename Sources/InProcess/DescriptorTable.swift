import BentoKit

// The descriptor table of the in-process driver: small integers naming open files and directories, handed
// out lowest-free-first from 3 (0, 1 and 2 are a process's standard streams), as a process's table does.
// Each open description holds the file system's handle, the open flags, the position and one lookup of its
// inode, forgotten when it is closed.

/// One open file or directory: what `open` returned and where reading and writing continue.
struct OpenDescription: Sendable {
    /// The object opened.
    let inode: Inode
    /// The file system's handle for it.
    let handle: FileHandle
    /// The flags of `open(2)` (access mode, `O_APPEND`, ...), as given by the caller.
    let flags: OpenFlags
    /// How the file system asked the kernel to treat the file (`FOPEN_NOFLUSH`, ...).
    let options: OpenOptions
    /// True when opened with opendir (released with releasedir, listed, fsynced with fsyncdir).
    let isDirectory: Bool
    /// The position `read` and `write` continue from.
    var offset: UInt64 = 0
}

/// The open descriptors of one in-process mount.
struct DescriptorTable: Sendable {
    /// The first descriptor handed out.
    static let first: Int32 = 3
    /// How many descriptors may be open at once (`RLIMIT_NOFILE`'s usual soft limit); `EMFILE` beyond.
    static let limit = 1024

    private var open: [Int32: OpenDescription] = [:]
    /// Files with no name that may get one (`O_TMPFILE` without `O_EXCL`, not linked yet: the kernel's
    /// `I_LINKABLE`), kept while a descriptor names them.
    private(set) var linkable: Set<Inode> = []

    /// How many descriptors are open.
    var count: Int { open.count }

    /// Records `description` under the lowest free descriptor; `EMFILE` when the table is full.
    mutating func insert(_ description: OpenDescription) throws(Errno) -> Int32 {
        guard open.count < Self.limit else { throw .tooManyOpenFiles }
        var descriptor = Self.first
        while open[descriptor] != nil { descriptor += 1 }
        open[descriptor] = description
        return descriptor
    }

    /// The description `descriptor` names; `EBADF` when it is not open.
    func description(_ descriptor: Int32) throws(Errno) -> OpenDescription {
        guard let description = open[descriptor] else { throw .badFileDescriptor }
        return description
    }

    /// Moves `descriptor`'s position (ignored when it was closed meanwhile).
    mutating func setOffset(_ offset: UInt64, of descriptor: Int32) {
        open[descriptor]?.offset = offset
    }

    /// Removes `descriptor` and returns what it named; `EBADF` when it is not open.
    mutating func remove(_ descriptor: Int32) throws(Errno) -> OpenDescription {
        guard let description = open.removeValue(forKey: descriptor) else { throw .badFileDescriptor }
        if !open.values.contains(where: { $0.inode == description.inode }) { linkable.remove(description.inode) }
        return description
    }

    /// Marks the file with no name `inode` as one that may get a name, or (once it has one) no longer.
    mutating func setLinkable(_ inode: Inode, _ isLinkable: Bool) {
        if isLinkable { linkable.insert(inode) } else { linkable.remove(inode) }
    }

    /// Every open description, by descriptor.
    var all: [(descriptor: Int32, description: OpenDescription)] {
        open.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// Removes and returns every open description.
    mutating func removeAll() -> [OpenDescription] {
        defer { open = [:] }
        return all.map(\.description)
    }
}
