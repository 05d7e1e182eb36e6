import BentoKit
import InProcess

/// What one path shows: how the model (MemFS) and a recovered crash state are compared.
public enum PathView: Sendable, Hashable, CustomStringConvertible {
    /// Nothing there.
    case absent
    /// A regular file: its bytes (the size is their count), link count and extended attributes.
    case file(data: [UInt8], links: UInt32, xattrs: [String: [UInt8]])
    /// A directory and the names in it (without `.` and `..`), sorted.
    case directory(names: [String])
    /// A symbolic link and its target.
    case symlink(target: String)
    /// The path could not be read (`stat`, `read` or `readdir` failed with this error).
    case unreadable(String)

    /// The most of a file `observe` reads: far more than any workload's file holds (tens of KiB).
    static let largestObserved: UInt64 = 1 << 24

    /// Looks at `path` through `fs`.
    static func observe(_ path: String, in fs: InProcessFileSystem) -> PathView {
        let absolute = "/" + path
        do throws(Errno) {
            let attributes = try fs.lstat(absolute)
            switch attributes.mode.type {
            case .directory:
                return .directory(names: try fs.readdir(absolute).map(\.name.description).filter { $0 != "." && $0 != ".." }.sorted())
            case .symbolicLink:
                return .symlink(target: try fs.readlink(absolute))
            default:
                let descriptor = try fs.open(absolute, [])
                defer { try? fs.close(descriptor) }
                // One byte more than the size shows data past it; a size past `largestObserved` (a corrupt inode
                // in a crash state) is read that far only, and matches no version the model held.
                let count = Int(min(attributes.size, Self.largestObserved)) + 1
                let data = try fs.pread(descriptor, count: count, offset: 0)
                var xattrs: [String: [UInt8]] = [:]
                for name in try fs.listxattr(absolute) { xattrs[name.description] = try fs.getxattr(absolute, name: name.description) }
                return .file(data: data, links: attributes.linkCount, xattrs: xattrs)
            }
        } catch .noSuchFileOrDirectory {
            return .absent
        } catch {
            return .unreadable("\(error)")
        }
    }

    /// The part of the view `aspect` promises: for `.data`, a file's bytes alone.
    func restricted(to aspect: Promise.Aspect) -> PathView {
        guard aspect == .data, case .file(let data, _, _) = self else { return self }
        return .file(data: data, links: 0, xattrs: [:])
    }

    /// A short description: `file of 16384 bytes (checksum 1a2b3c4d), 1 link, xattrs [user.ace]`.
    public var description: String {
        switch self {
        case .absent: "absent"
        case .file(let data, let links, let xattrs):
            "file of \(data.count) bytes (checksum \(String(Self.checksum(data), radix: 16))), \(links) link(s), xattrs \(xattrs.keys.sorted())"
        case .directory(let names): "directory holding \(names)"
        case .symlink(let target): "symlink to \(target)"
        case .unreadable(let error): "unreadable (\(error))"
        }
    }

    /// FNV-1a of the bytes: enough to tell contents apart in a report.
    private static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.reduce(2_166_136_261 as UInt32) { ($0 ^ UInt32($1)) &* 16_777_619 }
    }
}

/// The views of every path of the file set at one moment.
public typealias Snapshot = [String: PathView]

extension Snapshot {
    /// Looks at every path of `FileSet` through `fs`.
    static func observe(_ fs: InProcessFileSystem) -> Snapshot {
        Dictionary(uniqueKeysWithValues: FileSet.paths.map { ($0, PathView.observe($0, in: fs)) })
    }
}

/// What a persistence operation that returned guarantees about one path (docs/CRASH-CONSISTENCY.md).
public struct Promise: Sendable, Hashable {
    /// How much of the path's view is promised.
    public enum Aspect: Sendable, Hashable {
        /// Everything: existence, type, data and size, link count, xattrs; a directory's names.
        case everything
        /// A file's data and size (fdatasync).
        case data
    }

    /// The path promised.
    public var path: String
    /// How much of it.
    public var aspect: Aspect

    /// The promises `persistence` makes once it returns; `step` adds what it makes itself (mmap's msync).
    static func made(by persistence: Persistence, after step: WorkloadStep) -> [Promise] {
        var promises: [Promise] = switch persistence {
        case .fsync(let path): [Promise(path: path, aspect: .everything)]
        case .fdatasync(let path): [Promise(path: path, aspect: .data)]
        case .sync: FileSet.paths.map { Promise(path: $0, aspect: .everything) }
        case .none: []
        }
        if case .mmapWrite(let path, _) = step { promises.append(Promise(path: path, aspect: .data)) }
        return promises
    }
}

/// One thing a recovered crash state must show: a path's view, or the part of it a promise covers.
public struct Expectation: Sendable, Hashable {
    /// What was promised.
    public var promise: Promise
    /// The model's view of it (restricted to the promise's aspect).
    public var view: PathView
    /// The persistence point that made the promise (0 is the end of the setup).
    public var madeAt: Int
}

/// The model's side of a run: its snapshot after the setup and after each step, and the promises each
/// persistence point made. Decides what a crash at a given moment must show.
struct ExpectedState: Sendable {
    /// `snapshots[0]` after the setup (which ends with a sync), `snapshots[i]` after step `i`.
    var snapshots: [Snapshot] = []
    /// `promises[0]` everything (the setup's sync), `promises[i]` those of step `i`'s persistence.
    var promises: [[Promise]] = [FileSet.paths.map { Promise(path: $0, aspect: .everything) }]
    /// The model's inode numbers alongside the snapshots: whose contents a file may show (`FileVersions`).
    var versions = FileVersions()

    /// Takes the model's snapshot (and inode numbers) after the setup or after a step.
    mutating func record(_ fs: InProcessFileSystem) {
        snapshots.append(.observe(fs))
        versions.record(fs)
    }

    /// The contents a regular file at each path may show after a crash while step `step` runs, persisted or not.
    func candidates(duringStep step: Int) -> [String: [[UInt8]]] {
        versions.candidates(duringStep: step, snapshots: snapshots)
    }

    /// What a crash while step `step` runs must show (`persisted`: after its persistence operation returned).
    ///
    /// A promise made at point `i` holds at the crash when the promised part of the path's view stayed the
    /// same in the model from point `i` through the end of step `step`: nothing since has changed it, so the
    /// crash cannot have caught a change half done.
    func expectations(duringStep step: Int, persisted: Bool) -> [Expectation] {
        let lastPoint = persisted ? step : step - 1
        var result: [Expectation] = []
        for point in 0 ... lastPoint {
            for promise in promises[point] {
                let view = snapshots[point][promise.path, default: .absent].restricted(to: promise.aspect)
                let unchanged = snapshots[point ... step].allSatisfy {
                    $0[promise.path, default: .absent].restricted(to: promise.aspect) == view
                }
                if unchanged, !result.contains(where: { $0.promise == promise }) {
                    result.append(Expectation(promise: promise, view: view, madeAt: point))
                }
            }
        }
        return result
    }
}
