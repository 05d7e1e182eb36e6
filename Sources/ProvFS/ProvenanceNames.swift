/// The paths of the inodes a provenance log names.
///
/// Records name objects by inode and directory, so paths are worked out when the log is read: an object that
/// exists now has the path a walk of the tree found (`current`); one that is gone (or older than the log and
/// never found) has the path its last name in the log gives, through its directories' names, and `#N` (its
/// inode number) when the log never named it either.
public struct ProvenanceNames: Sendable {
    /// Paths now, by inode ("/" for the root, "/a/b" below it).
    private let current: [UInt64: String]
    /// The last name the log gave each inode: its directory and name.
    private let logged: [UInt64: (parent: UInt64, name: String)]

    /// Names from `current` (a walk of the tree as it is) and from the create, link and rename records of `log`.
    public init(log: ProvenanceLog, current: [UInt64: String]) {
        self.current = current
        var logged: [UInt64: (parent: UInt64, name: String)] = [:]
        for record in log.records {
            switch record.kind {
            case .create, .link:
                if let parent = record.parent, let name = record.name { logged[record.inode] = (parent, name) }
            case .rename:
                let old = logged[record.inode] ?? record.parent.flatMap { parent in record.name.map { (parent, $0) } }
                if let parent = record.newParent, let name = record.newName { logged[record.inode] = (parent, name) }
                if record.exchanged == true, let replaced = record.replaced, let old { logged[replaced] = old }
            default:
                break
            }
        }
        self.logged = logged
    }

    /// The path of `inode`: where it is now, else where the log last put it, else `#inode`.
    public func path(of inode: UInt64) -> String {
        if let path = current[inode] { return path }
        var components: [String] = []
        var node = inode
        for _ in 0..<4096 {
            if node == 1 { return "/" + components.reversed().joined(separator: "/") }
            if let path = current[node] { return ([path == "/" ? "" : path] + components.reversed()).joined(separator: "/") }
            guard let (parent, name) = logged[node] else { break }
            components.append(name)
            node = parent
        }
        return "#\(inode)"
    }

    /// Every inode that has had `path`: the one there now, and those the log last named so (gone since).
    public func inodes(at path: String) -> Set<UInt64> {
        let wanted = Self.normalized(path)
        var found = Set(current.filter { $0.value == wanted }.map(\.key))
        for inode in logged.keys where current[inode] == nil && self.path(of: inode) == wanted { found.insert(inode) }
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
