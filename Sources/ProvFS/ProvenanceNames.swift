/// One life of an inode: from one `create` record to the next (an inode number is reused once its file is gone).
/// Life 0 is the object that was there before the log began.
public struct FileLife: Sendable, Hashable, Codable, Comparable {
    public var inode: UInt64
    public var life: Int

    public init(inode: UInt64, life: Int) {
        self.inode = inode
        self.life = life
    }

    public static func < (a: FileLife, b: FileLife) -> Bool { (a.inode, a.life) < (b.inode, b.life) }
}

/// Which object each record is about, and the paths of objects.
///
/// Records name objects by inode and directory, never by full path, and inode numbers are reused: so each
/// record's inode is taken in its life at that point of the log (`file(of:)`), and paths are worked out when the
/// log is read. An object there now has the path a walk of the tree found (`current`), unless the log saw its
/// inode's last life end (its last name removed or replaced) and nothing recorded made it again: then the
/// object there is a later life the log never saw. An object that is gone has the path its last name in the log
/// gives, through its directories' names; `#N` when the log never named it.
public struct ProvenanceNames: Sendable {
    /// Paths now, by inode ("/" for the root, "/a/b" below it).
    private let current: [UInt64: String]
    /// Each record's object (nil for process records), by the record's index in the log.
    private let files: [FileLife?]
    /// The latest life the log knows of each inode, and whether it ended.
    private let latest: [UInt64: (life: Int, ended: Bool)]
    /// The last name the log gave each object: its directory (in its life then) and its name.
    private let logged: [FileLife: (parent: FileLife, name: String)]

    /// Names from `current` (a walk of the tree as it is) and from the records of `log`.
    public init(log: ProvenanceLog, current: [UInt64: String]) {
        self.current = current
        var latest: [UInt64: (life: Int, ended: Bool)] = [:]
        var files: [FileLife?] = []
        var logged: [FileLife: (parent: FileLife, name: String)] = [:]
        func life(_ inode: UInt64) -> FileLife { FileLife(inode: inode, life: latest[inode]?.life ?? 0) }
        for record in log.records {
            guard record.kind != .process else {
                files.append(nil)
                continue
            }
            if record.kind == .create { latest[record.inode] = ((latest[record.inode]?.life ?? 0) + 1, false) }
            let file = life(record.inode)
            files.append(file)
            switch record.kind {
            case .create, .link:
                if let parent = record.parent, let name = record.name { logged[file] = (life(parent), name) }
            case .unlink:
                if record.last == true { latest[record.inode] = (file.life, true) }
            case .rename:
                let old = logged[file] ?? record.parent.flatMap { parent in record.name.map { (life(parent), $0) } }
                if let parent = record.newParent, let name = record.newName { logged[file] = (life(parent), name) }
                if let replaced = record.replaced {
                    let other = life(replaced)
                    if record.exchanged == true {
                        if let old { logged[other] = old }
                    } else if record.last == true {
                        latest[replaced] = (other.life, true)  // its last name went: the object is gone
                    }
                }
            default:
                break
            }
        }
        self.files = files
        self.latest = latest
        self.logged = logged
    }

    /// The object record `index` of the log is about; nil for a process record.
    public func file(of index: Int) -> FileLife? { files.indices.contains(index) ? files[index] : nil }

    /// The object at inode `inode` now (a life the log never saw when its last known life ended).
    public func currentFile(_ inode: UInt64) -> FileLife {
        guard let known = latest[inode] else { return FileLife(inode: inode, life: 0) }
        return FileLife(inode: inode, life: known.ended ? known.life + 1 : known.life)
    }

    /// The path of `file`: where it is now, else where the log last put it, else `#inode`.
    public func path(of file: FileLife) -> String {
        var components: [String] = []
        var node = file
        for _ in 0..<4096 {
            if let path = current[node.inode], currentFile(node.inode) == node {
                return components.isEmpty ? path : ([path == "/" ? "" : path] + components.reversed()).joined(separator: "/")
            }
            guard let (parent, name) = logged[node] else { break }
            components.append(name)
            node = parent
        }
        return "#\(file.inode)"
    }

    /// Every object that has had `path`: the one there now, and those the log last named so (gone since).
    public func files(at path: String) -> Set<FileLife> {
        let wanted = Self.normalized(path)
        var found = Set(current.filter { $0.value == wanted }.map { currentFile($0.key) })
        for file in logged.keys where !found.contains(file) && self.path(of: file) == wanted { found.insert(file) }
        return found
    }

    /// The path of every object under the root, by inode, from a walk that lists each directory with `list`
    /// (its entries' names, inodes and whether each is a directory; `.` and `..` left out). A hard-linked file
    /// keeps the first path found; a directory that cannot be listed is skipped.
    public static func walk(_ list: (String) -> [(name: String, inode: UInt64, isDirectory: Bool)]) -> [UInt64: String] {
        var paths: [UInt64: String] = [1: "/"]
        var pending = ["/"]
        while let directory = pending.popLast() {
            for entry in list(directory) where paths[entry.inode] == nil {
                let path = (directory == "/" ? "" : directory) + "/" + entry.name
                paths[entry.inode] = path
                if entry.isDirectory { pending.append(path) }
            }
        }
        return paths
    }

    /// `path` with one leading slash and no trailing one ("a/b/" → "/a/b").
    public static func normalized(_ path: String) -> String {
        "/" + path.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
    }
}
