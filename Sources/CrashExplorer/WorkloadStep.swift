import BentoKit
import InProcess

/// ACE's file set, as paths relative to the mount's root (`""` is the root itself, ACE's `test` directory).
public enum FileSet {
    /// The regular files a workload may name.
    public static let files = ["foo", "bar", "A/foo", "A/bar", "B/foo", "B/bar"]
    /// The directories a workload may name (besides the root).
    public static let directories = ["A", "B"]
    /// Every path the checker looks at: the root, the directories, the files.
    public static let paths = [""] + directories + files

    /// The other member of a path's pair (`foo` ↔ `bar`, `A` ↔ `B`); the root is its own sibling.
    public static func sibling(of path: String) -> String {
        let (parent, name) = split(path)
        let other = ["foo": "bar", "bar": "foo", "A": "B", "B": "A"][name] ?? name
        return parent.isEmpty ? other : "\(parent)/\(other)"
    }

    /// The directory holding `path` (`""` for the root's children and the root itself).
    public static func parent(of path: String) -> String { split(path).parent }

    /// The parent directory and the last component.
    static func split(_ path: String) -> (parent: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        return (String(path[..<slash]), String(path[path.index(after: slash)...]))
    }
}

/// Where a write or fallocate lands, relative to the file's size when the step runs (ACE's write options).
public enum WriteRange: String, CaseIterable, Sendable, Hashable {
    /// 4 KiB right after the end of the file.
    case append
    /// An unaligned overwrite inside the file: 5,000 bytes at offset 1,000.
    case overlap
    /// Unaligned, from 3,000 bytes before the end to 5,000 past it.
    case extend

    /// The byte range for a file of `size` bytes (as the file system under test reports it: any number);
    /// `EFBIG` when it would end past the largest file.
    func range(size: UInt64) throws(Errno) -> Range<UInt64> {
        let limit = InProcessFileSystem.largestFile
        switch self {
        case .append: return try .written(offset: size, length: 4096, maximumSize: limit)
        case .overlap: return 1000 ..< 6000
        case .extend: return try .written(offset: size - min(size, 3000), length: min(size, 3000) + 5000, maximumSize: limit)
        }
    }
}

/// Where a direct or mmap write lands: 4 KiB-aligned, as O_DIRECT requires (ACE's dwrite options).
public enum AlignedRange: String, CaseIterable, Sendable, Hashable {
    /// 4 KiB at the first block boundary at or after the end.
    case append
    /// 8 KiB overwriting from offset 4 KiB.
    case overlap

    /// The byte range for a file of `size` bytes (as the file system under test reports it: any number);
    /// `EFBIG` when it would end past the largest file.
    func range(size: UInt64) throws(Errno) -> Range<UInt64> {
        let limit = InProcessFileSystem.largestFile
        switch self {
        case .append:
            // From the end to the next block boundary, then the block after it.
            let toBoundary = try Range.written(offset: size, length: (4096 - size % 4096) % 4096, maximumSize: limit)
            return try .written(offset: toBoundary.upperBound, length: 4096, maximumSize: limit)
        case .overlap: return 4096 ..< 12288
        }
    }
}

/// fallocate's modes, as ACE uses them.
public enum FallocateChoice: String, CaseIterable, Sendable, Hashable {
    /// Mode 0: allocate, growing the size.
    case allocate
    /// `FALLOC_FL_KEEP_SIZE`.
    case keepSize = "keep-size"
    /// `FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE`.
    case punchHole = "punch-hole"
    /// `FALLOC_FL_ZERO_RANGE`.
    case zeroRange = "zero-range"
    /// `FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE`.
    case zeroRangeKeepSize = "zero-range-keep-size"
}

/// Where truncate sets the size: on a block boundary or not.
public enum TruncateChoice: String, CaseIterable, Sendable, Hashable {
    /// 8,192 bytes.
    case aligned
    /// 9,000 bytes.
    case unaligned

    /// The new size.
    var size: Int { self == .aligned ? 8192 : 9000 }
}

/// One of ACE's core operations with its parameters (plus symlink). Named `WorkloadStep` so it does not clash
/// with Foundation's or FUSEWire's `Operation`.
public enum WorkloadStep: Sendable, Hashable {
    /// `creat(path)`: a new empty file.
    case creat(String)
    /// `mkdir(path)`.
    case mkdir(String)
    /// `fallocate(path, mode, range)`.
    case fallocate(String, FallocateChoice, WriteRange)
    /// `pwrite(path, range)` through the page cache.
    case write(String, WriteRange)
    /// `pwrite` on a descriptor opened with `O_DIRECT`.
    case directWrite(String, AlignedRange)
    /// A store through a shared mapping then `msync`: in-process, its effect — the mapping grown with
    /// ftruncate if needed, a write, a data sync.
    case mmapWrite(String, AlignedRange)
    /// `link(existing, new)`.
    case link(String, String)
    /// `symlink(target, path)`.
    case symlink(String, String)
    /// `unlink(path)`.
    case unlink(String)
    /// `remove(path)`: unlink for a file, rmdir for a directory.
    case remove(String)
    /// `rename(from, to)`; `replacing` says the target exists beforehand (the setup makes it).
    case rename(String, String, replacing: Bool)
    /// `setxattr(path, "user.ace", value)`.
    case setxattr(String)
    /// `removexattr(path, "user.ace")`.
    case removexattr(String)
    /// `truncate(path, size)`.
    case truncate(String, TruncateChoice)

    /// The paths the step names, in order.
    public var paths: [String] {
        switch self {
        case .creat(let p), .mkdir(let p), .fallocate(let p, _, _), .write(let p, _), .directWrite(let p, _),
             .mmapWrite(let p, _), .unlink(let p), .remove(let p), .setxattr(let p), .removexattr(let p),
             .truncate(let p, _):
            [p]
        case .link(let a, let b), .symlink(let a, let b), .rename(let a, let b, _): [a, b]
        }
    }

    /// The step's words in a workload spec: `write foo append`, `rename A B replacing`.
    public var words: [String] {
        switch self {
        case .creat(let p): ["creat", p]
        case .mkdir(let p): ["mkdir", p]
        case .fallocate(let p, let mode, let range): ["fallocate", p, mode.rawValue, range.rawValue]
        case .write(let p, let range): ["write", p, range.rawValue]
        case .directWrite(let p, let range): ["dwrite", p, range.rawValue]
        case .mmapWrite(let p, let range): ["mmapwrite", p, range.rawValue]
        case .link(let a, let b): ["link", a, b]
        case .symlink(let a, let b): ["symlink", a, b]
        case .unlink(let p): ["unlink", p]
        case .remove(let p): ["remove", p]
        case .rename(let a, let b, let replacing): ["rename", a, b] + (replacing ? ["replacing"] : [])
        case .setxattr(let p): ["setxattr", p]
        case .removexattr(let p): ["removexattr", p]
        case .truncate(let p, let size): ["truncate", p, size.rawValue]
        }
    }

    /// Parses the words `words` produces; nil when they name no step.
    public init?(words: [String]) {
        guard let verb = words.first else { return nil }
        let a = words.count > 1 ? words[1] : "", b = words.count > 2 ? words[2] : ""
        let step: WorkloadStep? = switch (verb, words.count) {
        case ("creat", 2): .creat(a)
        case ("mkdir", 2): .mkdir(a)
        case ("fallocate", 4): FallocateChoice(rawValue: b).flatMap { mode in WriteRange(rawValue: words[3]).map { .fallocate(a, mode, $0) } }
        case ("write", 3): WriteRange(rawValue: b).map { .write(a, $0) }
        case ("dwrite", 3): AlignedRange(rawValue: b).map { .directWrite(a, $0) }
        case ("mmapwrite", 3): AlignedRange(rawValue: b).map { .mmapWrite(a, $0) }
        case ("link", 3): .link(a, b)
        case ("symlink", 3): .symlink(a, b)
        case ("unlink", 2): .unlink(a)
        case ("remove", 2): .remove(a)
        case ("rename", 3): .rename(a, b, replacing: false)
        case ("rename", 4) where words[3] == "replacing": .rename(a, b, replacing: true)
        case ("setxattr", 2): .setxattr(a)
        case ("removexattr", 2): .removexattr(a)
        case ("truncate", 3): TruncateChoice(rawValue: b).map { .truncate(a, $0) }
        default: nil
        }
        guard let step, step.paths.allSatisfy(FileSet.paths.contains) else { return nil }
        self = step
    }
}

/// What follows a step to make it durable (ACE's persistence operations).
public enum Persistence: Sendable, Hashable {
    /// `fsync` of a file or directory (by path; `""` is the root).
    case fsync(String)
    /// `fdatasync` of a file.
    case fdatasync(String)
    /// A global `sync`.
    case sync
    /// Nothing (never after the last step).
    case none

    /// The words in a workload spec: `fsync A/foo`, `fsync /` for the root, `sync`, `none`.
    public var words: [String] {
        switch self {
        case .fsync(let p): ["fsync", p.isEmpty ? "/" : p]
        case .fdatasync(let p): ["fdatasync", p]
        case .sync: ["sync"]
        case .none: ["none"]
        }
    }

    /// Parses `words`; nil when they name no persistence operation.
    public init?(words: [String]) {
        let path = words.count == 2 ? (words[1] == "/" ? "" : words[1]) : nil
        switch (words.first, path) {
        case ("fsync", let path?) where FileSet.paths.contains(path): self = .fsync(path)
        case ("fdatasync", let path?) where FileSet.files.contains(path): self = .fdatasync(path)
        case ("sync", nil) where words.count == 1: self = .sync
        case ("none", nil) where words.count == 1: self = .none
        default: return nil
        }
    }
}
