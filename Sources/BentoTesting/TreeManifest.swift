import Foundation

/// A description of a directory tree, one sorted line per path: what the suite compares between file systems.
///
/// Each line holds the path, type, permission bits, size (not for directories: their sizes differ between file
/// systems), link count, owner, group, optionally the modification time in nanoseconds, the symlink target,
/// the sha256 of a regular file's content and every `user.*` extended attribute (hex). The facts come from
/// real programs run on the tree: `find -printf`, `openssl dgst -sha256` and `getfattr`.
public struct TreeManifest: Equatable, CustomStringConvertible {
    /// What goes into a manifest beyond the always-compared facts.
    public struct Options: Sendable {
        /// Compare modification times (only where the workload makes them deterministic: cp -a, tar x, touch -d).
        public var modificationTimes = false
        /// Names whose subtrees are left out (e.g. `.git`, whose index records inode numbers and ctimes).
        public var excludedNames: [String] = []
        /// Compare `user.*` extended attributes (off for a file system that has none: `getfattr` fails there).
        public var extendedAttributes = true

        /// What to add: modification times, subtrees to leave out, whether to compare extended attributes.
        public init(modificationTimes: Bool = false, excludedNames: [String] = [], extendedAttributes: Bool = true) {
            self.modificationTimes = modificationTimes
            self.excludedNames = excludedNames
            self.extendedAttributes = extendedAttributes
        }
    }

    /// One line per path, sorted by path.
    public private(set) var lines: [String]

    /// Describes the tree at `root`.
    public init(of root: String, options: Options = Options()) throws {
        let prune = options.excludedNames.isEmpty
            ? ""
            : "\\( " + options.excludedNames.map { "-name \(Shell.quote($0))" }.joined(separator: " -o ") + " \\) -prune -o"
        let find = "find . \(prune)"
        let entries = try Shell.check(
            #"\#(find) -printf '%P\0%y\0%m\0%s\0%n\0%U\0%G\0%T@\0%l\0'"#, in: root).stdout
        // openssl uses the CPU's SHA instructions: five times faster than sha256sum on big files.
        let digests = try Shell.check(
            #"\#(find) -type f -print0 | xargs -0 -r openssl dgst -sha256 -r"#, in: root).stdout
        let attributes = options.extendedAttributes ? try Shell.check(
            #"\#(find) -print0 | xargs -0 -r getfattr -h -d -e hex -m '^user\.' --absolute-names --"#, in: root).stdout : ""

        var contentByPath: [String: String] = [:]
        for record in digests.split(separator: "\n") {
            // "<64 hex digits> *./path" (so a path with a newline in it would not do: the workloads make none)
            contentByPath[Self.relative(String(record.dropFirst(66)))] = String(record.prefix(64))
        }
        let attributesByPath = Self.parseGetfattr(attributes)

        let fields = entries.split(separator: "\0", omittingEmptySubsequences: false).map(String.init)
        var lines: [String] = []
        var index = 0
        while index + 9 <= fields.count {
            let f = Array(fields[index..<index + 9])
            index += 9
            let (path, type, mode, size, links, uid, gid, mtime, target) = (f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8])
            let name = path.isEmpty ? "." : path
            var line = "\(Self.visible(name))\ttype=\(type) mode=\(mode)"
            if type != "d" { line += " size=\(size)" }
            line += " links=\(links) owner=\(uid):\(gid)"
            if options.modificationTimes { line += " mtime=\(mtime)" }
            if type == "l" { line += " -> \(Self.visible(target))" }
            if let digest = contentByPath[name] { line += " sha256=\(digest)" }
            if let xattrs = attributesByPath[name] { line += " xattrs{\(xattrs.joined(separator: " "))}" }
            lines.append(line)
        }
        self.lines = lines.sorted()
    }

    public var description: String { lines.joined(separator: "\n") }

    /// The first lines where `self` (the file system under test) and `baseline` differ, `-` for the baseline's
    /// and `+` for ours, or nil when they are equal.
    public func differences(from baseline: TreeManifest, limit: Int = 12) -> String? {
        guard self != baseline else { return nil }
        let ours = Set(lines), theirs = Set(baseline.lines)
        let merged = (baseline.lines.filter { !ours.contains($0) }.map { ("-", $0) }
            + lines.filter { !theirs.contains($0) }.map { ("+", $0) })
            .sorted { ($0.1, $0.0) < ($1.1, $1.0) }
        let shown = merged.prefix(limit).map { "\($0.0) \($0.1)" }.joined(separator: "\n")
        return "trees differ (\(lines.count) paths here, \(baseline.lines.count) in the baseline, "
            + "\(merged.count) differing lines; - baseline, + ours):\n\(shown)"
    }

    /// `./a/b` → `a/b`, `.` → `.`.
    private static func relative(_ path: String) -> String {
        path == "." ? "." : path.hasPrefix("./") ? String(path.dropFirst(2)) : path
    }

    /// Makes control characters in a path visible, so a line stays one line.
    private static func visible(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "\n", with: "\\n")
            .replacingOccurrences(of: "\t", with: "\\t")
    }

    /// Parses `getfattr -d` output: `# file: PATH` then `name=0x...` lines, blocks separated by blank lines.
    /// getfattr escapes unprintable bytes in names as `\ooo`; undo that.
    private static func parseGetfattr(_ output: String) -> [String: [String]] {
        var result: [String: [String]] = [:]
        var current: String?
        for line in output.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("# file: ") {
                current = relative(unescapeOctal(String(line.dropFirst("# file: ".count))))
            } else if let path = current, !line.isEmpty {
                result[path, default: []].append(String(line))
            }
        }
        return result.mapValues { $0.sorted() }
    }

    private static func unescapeOctal(_ text: String) -> String {
        var bytes: [UInt8] = []
        var input = Array(text.utf8)[...]
        while let byte = input.popFirst() {
            if byte == UInt8(ascii: "\\"), input.count >= 3,
               let value = UInt8(String(decoding: input.prefix(3), as: UTF8.self), radix: 8) {
                bytes.append(value)
                input = input.dropFirst(3)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
