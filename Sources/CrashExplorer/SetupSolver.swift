/// ACE's setup phase: walks a workload over a sketch of the namespace, deciding which files and directories
/// must exist before it starts for every step and persistence operation to succeed, or that none can.
///
/// A path nobody has touched yet is unknown; needing it to exist puts it (and its parents) in the setup,
/// needing it absent fixes it absent. Files the setup makes hold 16 KiB and the attribute `user.ace`, so
/// overwrites, punches and removexattr have something to act on. A directory a step creates, moves or removes
/// fixes its unknown children absent: the setup cannot reach inside it.
struct SetupSolver {
    /// What a path holds in the sketch.
    enum Entry: Equatable {
        case absent
        case directory
        /// A regular file; links share the number.
        case file(inode: Int)
        case symlink
    }

    private var known: [String: Entry] = ["": .directory]
    private var hasXattr: [Int: Bool] = [:]
    private var nextInode = 0
    /// Directories the setup makes, parents first.
    private(set) var directories: [String] = []
    /// Files the setup makes.
    private(set) var files: [String] = []

    /// Applies `step`; false when it cannot succeed whatever the setup.
    mutating func apply(_ step: WorkloadStep) -> Bool {
        switch step {
        case .creat(let path):
            guard needsDirectory(FileSet.parent(of: path)), needsAbsent(path) else { return false }
            known[path] = .file(inode: newInode(xattr: false))
        case .mkdir(let path):
            guard needsDirectory(FileSet.parent(of: path)), needsAbsent(path) else { return false }
            known[path] = .directory
            fixChildrenAbsent(of: path)
        case .fallocate(let path, _, _), .write(let path, _), .directWrite(let path, _), .mmapWrite(let path, _),
             .truncate(let path, _):
            return needsFile(path) != nil
        case .setxattr(let path):
            guard let inode = needsFile(path) else { return false }
            hasXattr[inode] = true
        case .removexattr(let path):
            guard let inode = needsFile(path), hasXattr[inode] == true else { return false }
            hasXattr[inode] = false
        case .link(let existing, let new):
            guard let inode = needsFile(existing), needsDirectory(FileSet.parent(of: new)), needsAbsent(new) else { return false }
            known[new] = .file(inode: inode)
        case .symlink(_, let path):
            guard needsDirectory(FileSet.parent(of: path)), needsAbsent(path) else { return false }
            known[path] = .symlink
        case .unlink(let path), .remove(let path):
            guard needsFile(path) != nil || known[path] == .symlink else { return false }
            known[path] = .absent
        case .rename(let from, let to, let replacing):
            return rename(from, to, replacing: replacing)
        }
        return true
    }

    /// Checks that `persistence` can run now (its target exists, perhaps thanks to the setup).
    mutating func apply(_ persistence: Persistence) -> Bool {
        switch persistence {
        case .fsync(let path): FileSet.files.contains(path) ? needsFile(path) != nil : needsDirectory(path)
        case .fdatasync(let path): needsFile(path) != nil
        case .sync, .none: true
        }
    }

    private mutating func rename(_ from: String, _ to: String, replacing: Bool) -> Bool {
        let isDirectory = !FileSet.files.contains(from)
        if isDirectory {
            guard needsDirectory(from), needsDirectory(FileSet.parent(of: to)) else { return false }
            fixChildrenAbsent(of: from)
            if replacing {
                guard needsDirectory(to) else { return false }
                fixChildrenAbsent(of: to)
                guard children(of: to).allSatisfy({ known[$0] == .absent }) else { return false }
            } else {
                guard needsAbsent(to) else { return false }
                fixChildrenAbsent(of: to)
            }
            for child in children(of: from) {
                known[to + child.dropFirst(from.count)] = known[child]
                known[child] = .absent
            }
        } else {
            guard needsFile(from) != nil || known[from] == .symlink, needsDirectory(FileSet.parent(of: to)) else { return false }
            guard replacing ? needsFile(to) != nil : needsAbsent(to) else { return false }
        }
        known[to] = known[from]
        known[from] = .absent
        return true
    }

    /// The inode of the file at `path`, made by the setup if the path is unknown; nil if it is something else.
    private mutating func needsFile(_ path: String) -> Int? {
        if known[path] == nil {
            guard FileSet.files.contains(path), needsDirectory(FileSet.parent(of: path)) else { return nil }
            known[path] = .file(inode: newInode(xattr: true))
            files.append(path)
        }
        if case .file(let inode) = known[path] { return inode }
        return nil
    }

    /// True when `path` is a directory, made by the setup if it is unknown.
    private mutating func needsDirectory(_ path: String) -> Bool {
        if known[path] == nil {
            guard !FileSet.files.contains(path), needsDirectory(FileSet.parent(of: path)) else { return false }
            known[path] = .directory
            directories.append(path)
        }
        return known[path] == .directory
    }

    /// True when `path` is absent (fixing it so if it is unknown).
    private mutating func needsAbsent(_ path: String) -> Bool {
        if known[path] == nil { known[path] = .absent }
        return known[path] == .absent
    }

    private mutating func fixChildrenAbsent(of directory: String) {
        for child in children(of: directory) where known[child] == nil { known[child] = .absent }
    }

    private func children(of directory: String) -> [String] {
        FileSet.paths.filter { FileSet.parent(of: $0) == directory && $0 != directory }
    }

    private mutating func newInode(xattr: Bool) -> Int {
        nextInode += 1
        hasXattr[nextInode] = xattr
        return nextInode
    }
}
