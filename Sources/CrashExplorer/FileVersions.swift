import BentoKit
import InProcess

/// The contents every regular file of the model held, step by step: what a file may show after a crash whether
/// or not anything persisted it (docs/CRASH-CONSISTENCY.md, "Some consistent version").
///
/// Files are followed by the model's inode number, so a rename or a link carries a file's history to its new
/// path. After a crash during step `j`, a regular file at path `p` may show the contents `c` when
///
/// - `c` is exactly a version: the contents of one of the inodes that were at `p` during the setup or steps
///   `1...j` (at any path, after the setup or after any of those steps), or
/// - `c` is a block-wise mix of those versions: its size is the size of one of them, and each 4 KiB block of `c`
///   (the last one up to `c`'s size) equals the same bytes of some version that is at least that long.
///
/// The mix covers writes not yet persisted landing in any order (in place overwrites, a commit caught between
/// its data blocks); what it never allows is a block that no version held there: the stale contents of a
/// reused block, or zeros where every version of that length had data.
struct FileVersions: Sendable {
    /// Bytes per block of the mix rule.
    static let blockSize = 4096

    /// `inodes[k]`: the model's inode number of every path holding a regular file, after the setup (`k == 0`)
    /// and after step `k`; indexed like `ExpectedState.snapshots`.
    var inodes: [[String: UInt64]] = []

    /// Records the inode numbers of the regular files of the file set as `fs` (the model) shows them now.
    mutating func record(_ fs: InProcessFileSystem) {
        var map: [String: UInt64] = [:]
        for path in FileSet.paths where !path.isEmpty {
            if let attributes = try? fs.lstat("/" + path), attributes.mode.type == .regular {
                map[path] = attributes.inode.rawValue
            }
        }
        inodes.append(map)
    }

    /// The versions a regular file at each path may show after a crash during step `step`, given the model's
    /// snapshots (`snapshots[k]` taken with `inodes[k]`).
    func candidates(duringStep step: Int, snapshots: [Snapshot]) -> [String: [[UInt8]]] {
        let window = 0 ... min(step, inodes.count - 1, snapshots.count - 1)
        // Distinct contents are kept with `==` rather than in a `Set`: hashing every byte is far slower than
        // comparing arrays that mostly differ in size or early on.
        var contentsByInode: [UInt64: [[UInt8]]] = [:]
        for k in window {
            for (path, inode) in inodes[k] {
                if case .file(let data, _, _) = snapshots[k][path, default: .absent],
                   !contentsByInode[inode, default: []].contains(data) {
                    contentsByInode[inode, default: []].append(data)
                }
            }
        }
        var result: [String: [[UInt8]]] = [:]
        for path in FileSet.paths {
            var held: [UInt64] = []
            for k in window { if let inode = inodes[k][path], !held.contains(inode) { held.append(inode) } }
            guard !held.isEmpty else { continue }
            var versions: [[UInt8]] = []
            for inode in held { for data in contentsByInode[inode, default: []] where !versions.contains(data) { versions.append(data) } }
            result[path] = versions
        }
        return result
    }

    /// Why `found` is no version of `versions` nor a block-wise mix of them; nil when it is one.
    static func mismatch(_ found: [UInt8], versions: [[UInt8]]) -> String? {
        if versions.isEmpty { return "the model never held a regular file there" }
        if versions.contains(found) { return nil }
        guard versions.contains(where: { $0.count == found.count }) else {
            return "its size is none of the sizes the model's versions had \(Set(versions.map(\.count)).sorted())"
        }
        var start = 0
        while start < found.count {
            let range = start ..< min(start + blockSize, found.count)
            let matches = versions.contains { $0.count >= range.upperBound && $0[range] == found[range] }
            if !matches {
                let zeros = found[range].allSatisfy { $0 == 0 } ? " (zeros)" : ""
                return "its block \(start / blockSize) (bytes \(range.lowerBound)..<\(range.upperBound))\(zeros) matches no version"
            }
            start += blockSize
        }
        return nil
    }
}
