/// Checks that a provenance log and the file system it describes agree: what the crash explorer asks of every
/// crash state of provfs (and what a test may ask of any provfs image whose log began at mkfs).
///
/// The namespace the log's create, link, unlink and rename records build from an empty root must be exactly the
/// tree that is there: no object named without a record of it (a durable change without its record), no record
/// of a name that is not there (a record of a change that did not happen). And every regular file holding data
/// must have a record of that data being written. A damaged or undecodable log is a problem too: records are
/// appended in the transactions of their changes, so no crash may leave one half written.
public enum ProvenanceAudit {
    /// What disagrees between `log` and the tree `tree` (every path below the root, with its inode and size;
    /// directories with size nil); empty when they agree.
    public static func problems(log: ProvenanceLog, tree: [(path: String, inode: UInt64, size: UInt64?)]) -> [String] {
        var problems = log.problems
        var entries: [Name: UInt64] = [:]
        var written: Set<UInt64> = []
        for record in log.records {
            // A regular file's data comes from writes; a symbolic link's target with its create record.
            if record.writesData && (record.kind != .create || record.type == "symbolicLink") { written.insert(record.inode) }
            switch record.kind {
            case .create, .link:
                if let parent = record.parent, let name = record.name { entries[Name(parent: parent, name: name)] = record.inode }
            case .unlink:
                if let parent = record.parent, let name = record.name { entries[Name(parent: parent, name: name)] = nil }
            case .rename:
                guard let parent = record.parent, let name = record.name, let newParent = record.newParent,
                      let newName = record.newName else { continue }
                let old = Name(parent: parent, name: name), new = Name(parent: newParent, name: newName)
                entries[old] = record.exchanged == true ? record.replaced : nil
                entries[new] = record.inode
            default:
                break
            }
        }
        var logged: [String: UInt64] = [:]
        var pending: [(UInt64, String)] = [(1, "")]
        while let (directory, path) = pending.popLast() {
            for (name, inode) in entries where name.parent == directory {
                let child = path + "/" + name.name
                guard logged[child] == nil, logged.count < 1_000_000 else { continue }
                logged[child] = inode
                pending.append((inode, child))
            }
        }
        let found = Dictionary(tree.map { ($0.path, $0.inode) }, uniquingKeysWith: { first, _ in first })
        for (path, inode) in found.sorted(by: { $0.key < $1.key }) where logged[path] != inode {
            problems.append(logged[path].map { "\(path) is inode \(inode), but the log names inode \($0) there" }
                            ?? "\(path) (inode \(inode)) is there, but no record in the log names it")
        }
        for (path, inode) in logged.sorted(by: { $0.key < $1.key }) where found[path] == nil {
            problems.append("the log names \(path) (inode \(inode)), but it is not there")
        }
        for entry in tree where (entry.size ?? 0) > 0 && !written.contains(entry.inode) {
            problems.append("\(entry.path) holds \(entry.size ?? 0) bytes, but no record in the log wrote it")
        }
        return problems
    }

    /// A name in a directory.
    private struct Name: Hashable {
        var parent: UInt64
        var name: String
    }
}
